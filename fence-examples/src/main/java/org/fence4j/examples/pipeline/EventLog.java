package org.fence4j.examples.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each stage did, on the scripted clock. Stages may log at the same moment from different
 * threads; {@link #entries()} orders the lines by tick, then stage, then the stage's own order, so
 * two runs of the same script give the same list.
 */
final class EventLog {
  /** The stages, in the order their lines sort within one tick. */
  enum Stage {
    GPU,
    RENDER,
    COMPOSE,
    DISPLAY
  }

  private record Entry(long tick, Stage stage, long seq, String text) {}

  private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();
  private final AtomicLong[] seqs = {
    new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()
  };

  /** Adds a line; only {@code stage}'s own thread (or the driver, for GPU) logs for it. */
  void add(long tick, Stage stage, String text) {
    entries.add(new Entry(tick, stage, seqs[stage.ordinal()].getAndIncrement(), text));
  }

  /** The lines, each {@code "t=<tick> <stage>: <text>"}, in a run-independent order. */
  List<String> entries() {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(
        Comparator.comparingLong(Entry::tick)
            .thenComparing(Entry::stage)
            .thenComparingLong(Entry::seq));
    List<String> out = new ArrayList<>(sorted.size());
    for (Entry e : sorted) {
      out.add(
          "t="
              + e.tick()
              + " "
              + e.stage().name().toLowerCase(java.util.Locale.ROOT)
              + ": "
              + e.text());
    }
    return out;
  }
}
