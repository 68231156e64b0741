package org.fence4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records, lock-free, how often each of a test's callbacks ran, on which thread and when (a
 * sequence number). The callbacks of one fence may run on several threads at once: the stall
 * monitor moves the work queued behind a callback that stalls (on a loaded machine, one whose
 * thread is merely descheduled) to a relay thread. So a plain list written from callbacks races,
 * and registration order, the order in which callbacks start, is an order of execution only among
 * the callbacks that ran on one thread: that is where {@link #outOfOrderOnOneThread} checks it.
 * Read the results once the callbacks have run (after the signal returned, or an Awaitility wait on
 * {@link #runs}).
 */
final class CallbackRuns {
  private final AtomicLong clock = new AtomicLong();
  private final AtomicIntegerArray runs;
  private final AtomicLongArray ranAt;
  private final AtomicReferenceArray<Thread> ranOn;

  /** Records for callbacks {@code 0 .. callbacks - 1}. */
  CallbackRuns(int callbacks) {
    runs = new AtomicIntegerArray(callbacks);
    ranAt = new AtomicLongArray(callbacks);
    ranOn = new AtomicReferenceArray<>(callbacks);
  }

  /** A callback that records itself as callback {@code index}. */
  FenceCallback callback(int index) {
    return f -> record(index);
  }

  /** Records a run of callback {@code index} on the current thread. */
  void record(int index) {
    ranAt.set(index, clock.incrementAndGet());
    ranOn.set(index, Thread.currentThread());
    runs.incrementAndGet(index); // last: whoever reads it sees the two stores above
  }

  /** How many callbacks are recorded. */
  int callbacks() {
    return runs.length();
  }

  /** How many times the callbacks ran, all together. */
  long runs() {
    long sum = 0;
    for (int i = 0; i < runs.length(); i++) {
      sum += runs.get(i);
    }
    return sum;
  }

  /** How many times callback {@code index} ran. */
  int runsOf(int index) {
    return runs.get(index);
  }

  /** The callbacks that have not run. */
  List<Integer> notRun() {
    List<Integer> notRun = new ArrayList<>();
    for (int i = 0; i < runs.length(); i++) {
      if (runs.get(i) == 0) {
        notRun.add(i);
      }
    }
    return notRun;
  }

  /** "index ran n times" for every callback that did not run exactly once. */
  List<String> notRunExactlyOnce() {
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < runs.length(); i++) {
      if (runs.get(i) != 1) {
        wrong.add(i + " ran " + runs.get(i) + " times");
      }
    }
    return wrong;
  }

  /**
   * Among callbacks {@code from .. to - 1} (one fence's, in registration order) that ran: every
   * callback that ran on the same thread as, and after, a later-registered one, as "index after
   * later-index".
   */
  List<String> outOfOrderOnOneThread(int from, int to) {
    List<Integer> ran = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (runs.get(i) > 0) {
        ran.add(i);
      }
    }
    ran.sort(Comparator.comparingLong(ranAt::get));
    Map<Thread, Integer> latest = new HashMap<>(); // per thread: the index that ran last so far
    List<String> wrong = new ArrayList<>();
    for (int i : ran) {
      Integer before = latest.put(ranOn.get(i), i);
      if (before != null && before > i) {
        wrong.add(i + " after " + before);
      }
    }
    return wrong;
  }
}
