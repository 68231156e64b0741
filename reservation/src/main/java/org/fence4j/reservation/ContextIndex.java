package org.fence4j.reservation;

/**
 * A writer-side map from a fence context to the index of one entry of a {@link ReservationObject}
 * that holds a fence of that context, so that adding a fence finds the entry to replace without
 * looking at every stored fence.
 *
 * <p>Implementation overview: open addressing with linear probing over two parallel arrays (the
 * context, and the entry index plus one, 0 marking a free cell), at most half full, removal by
 * backward shift (no tombstones), so every operation is amortized O(1) and the table never holds
 * more than twice the cells its mappings need. Not thread-safe: only the holder of the object's
 * lock uses it (the lock hand-off orders successive holders); readers never see it.
 */
final class ContextIndex {
  private long[] contexts;
  private int[] entries; // entry index + 1; 0 = free cell
  private int size;

  /** An index with room for {@code expected} mappings before it grows. */
  ContextIndex(int expected) {
    int cells = Integer.highestOneBit(Math.max(8, expected) * 2 - 1) << 1;
    contexts = new long[cells];
    entries = new int[cells];
  }

  /** Number of mappings (for tests). */
  int size() {
    return size;
  }

  /** The entry index mapped to {@code context}, or -1. */
  int get(long context) {
    int mask = entries.length - 1;
    for (int c = cell(context, mask); ; c = (c + 1) & mask) {
      int e = entries[c];
      if (e == 0) {
        return -1;
      }
      if (contexts[c] == context) {
        return e - 1;
      }
    }
  }

  /** Maps {@code context} to {@code entry}, replacing any previous mapping. */
  void put(long context, int entry) {
    int mask = entries.length - 1;
    int c = cell(context, mask);
    while (entries[c] != 0) {
      if (contexts[c] == context) {
        entries[c] = entry + 1;
        return;
      }
      c = (c + 1) & mask;
    }
    contexts[c] = context;
    entries[c] = entry + 1;
    if (++size * 2 > entries.length) {
      grow();
    }
  }

  /** Removes the mapping of {@code context}, if any. */
  void remove(long context) {
    int mask = entries.length - 1;
    int c = cell(context, mask);
    while (true) {
      if (entries[c] == 0) {
        return;
      }
      if (contexts[c] == context) {
        break;
      }
      c = (c + 1) & mask;
    }
    size--;
    // Backward shift: move later cells of the probe run into the hole when their home allows.
    int hole = c;
    for (int next = (hole + 1) & mask; entries[next] != 0; next = (next + 1) & mask) {
      int home = cell(contexts[next], mask);
      // The cell at "next" may fill the hole if its home is not in (hole, next] (cyclically).
      boolean movable =
          hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
      if (movable) {
        contexts[hole] = contexts[next];
        entries[hole] = entries[next];
        hole = next;
      }
    }
    entries[hole] = 0;
  }

  private void grow() {
    long[] oldContexts = contexts;
    int[] oldEntries = entries;
    contexts = new long[oldContexts.length << 1];
    entries = new int[oldEntries.length << 1];
    size = 0;
    for (int c = 0; c < oldEntries.length; c++) {
      if (oldEntries[c] != 0) {
        put(oldContexts[c], oldEntries[c] - 1);
      }
    }
  }

  private static int cell(long context, int mask) {
    long h = context * 0x9E3779B97F4A7C15L; // Fibonacci hashing: spreads consecutive contexts
    return (int) (h ^ (h >>> 32)) & mask;
  }

  @Override
  public String toString() {
    return "ContextIndex[size=" + size + ", cells=" + entries.length + "]";
  }
}
