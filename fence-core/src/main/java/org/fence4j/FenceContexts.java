package org.fence4j;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The global allocator of fence context ids (timeline ids).
 *
 * <p>Ids start at 1 and never repeat within a JVM; 0 belongs to the stub fences. Thread-safe and
 * lock-free. Threads that allocate concurrently do not contend: each thread hands out ids from its
 * own block of ids, so ids are increasing within one thread but not in global call order across
 * threads.
 */
public final class FenceContexts {
  /*
   * Implementation overview
   * -----------------------
   * NEXT (one AtomicLong, only ever grows) hands out disjoint ranges with getAndAdd. Each thread
   * keeps a Block [next, end) of BLOCK ids taken from NEXT in a ThreadLocal, touched by that
   * thread only (plain fields, no synchronization). allocate(n) takes n ids from the block when
   * they fit; otherwise it takes a fresh range from NEXT: a new block of BLOCK ids for a small n
   * (the rest of the old block is dropped), or exactly n ids for a large n (and the block is
   * emptied, so that the thread's later ids come after that range). So the shared counter is
   * written once per BLOCK small allocations of a thread instead of once per allocation: two
   * threads creating fence contexts (every ResourceSet has one) share no written cache line.
   *
   * A Block is padded to keep the hot fields of different threads' blocks on different cache
   * lines wherever the collector puts them.
   *
   * Invariants: ranges from NEXT are disjoint; a block belongs to one thread and its "next" only
   * grows up to "end", so each id is handed out at most once. The ids of one thread increase: a
   * range taken from NEXT later lies above every range taken before. Ids dropped with the rest of
   * a block are never handed out: at most BLOCK - 1 per thread and per large allocation, out of
   * 2^63.
   */

  /** Ids per thread-local block; an allocation of at least this many ids bypasses the blocks. */
  static final int BLOCK = 1024;

  /** The first id of the next range to hand out; only ever grows. */
  private static final AtomicLong NEXT = new AtomicLong(1);

  /**
   * Padding before a Block's fields. A thread writes its block on every allocation, and the
   * collector may copy the blocks of two threads next to each other: 64 bytes of padding on each
   * side keep them off each other's cache lines (the int fills the gap after the object header, so
   * no field of a subclass lands there).
   */
  @SuppressWarnings("unused")
  private static class PaddingBefore {
    int p0;
    long p1, p2, p3, p4, p5, p6, p7, p8;
  }

  /** The ids [next, end) a thread may hand out without touching NEXT. */
  private static class Ids extends PaddingBefore {
    long next;
    long end;
  }

  /** A thread's block: its ids, padded on both sides (superclass fields are laid out first). */
  @SuppressWarnings("unused")
  private static final class Block extends Ids {
    long q1, q2, q3, q4, q5, q6, q7, q8;
  }

  private static final ThreadLocal<Block> BLOCKS = ThreadLocal.withInitial(Block::new);

  private FenceContexts() {}

  /**
   * Reserves {@code n} consecutive fresh context ids and returns the first.
   *
   * @param n how many ids to reserve, at least 1
   * @return the first id of the block; the block is {@code [result, result + n)}
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public static long allocate(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    Block block = BLOCKS.get();
    long first = block.next;
    if (block.end - first >= n) {
      block.next = first + n;
      return first;
    }
    if (n >= BLOCK) {
      block.next = 0; // emptied: this thread's next ids come after this range
      block.end = 0;
      return NEXT.getAndAdd(n);
    }
    first = NEXT.getAndAdd(BLOCK);
    block.next = first + n;
    block.end = first + BLOCK;
    return first;
  }
}
