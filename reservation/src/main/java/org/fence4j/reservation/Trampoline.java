package org.fence4j.reservation;

import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.fence4j.internal.Diagnostics;

/**
 * Runs follow-up work of resource sets (installing grants, which complete futures, which run user
 * callbacks, which may release sets, which grant others...) iteratively instead of recursively.
 *
 * <p>The first {@link #run(Runnable)} on a thread executes its task and then drains whatever the
 * task (transitively) queued on the same thread; nested calls only queue. A grant cascade through
 * callbacks therefore uses constant stack depth, however long the queue of requests. Each thread
 * has its own queue: nothing is ever handed to another thread.
 */
final class Trampoline {
  /*
   * Overview: per-thread state (ThreadLocal, padded against false sharing between threads), no
   * sharing, no synchronization. "active" is true
   * while the outermost run() on this thread drains; tasks queued meanwhile run in FIFO order
   * before that outermost call returns. A task that throws is reported where fence-core reports a
   * throwing fence callback (Fence.setCallbackExceptionHandler, else the default uncaught-exception
   * handler, else standard error), by a report that never throws, and the drain continues: one bad
   * task, or a handler that throws, never strands the others.
   */

  /**
   * Padding before a State's fields: "active" is written twice per run, and the collector may copy
   * the states of two threads next to each other, so 64 bytes on each side keep them off each
   * other's cache lines (the int fills the gap after the object header).
   */
  @SuppressWarnings("unused")
  private static class PaddingBefore {
    int p0;
    long p1, p2, p3, p4, p5, p6, p7, p8;
  }

  /** The per-thread fields. */
  private static class Fields extends PaddingBefore {
    final ArrayDeque<Object> queue = new ArrayDeque<>(); // Runnables, or ResourceSets to install
    boolean active;
  }

  /** A thread's state, padded on both sides (superclass fields are laid out first). */
  @SuppressWarnings("unused")
  private static final class State extends Fields {
    long q1, q2, q3, q4, q5, q6, q7, q8;
  }

  private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

  private Trampoline() {}

  /** Runs {@code task} now, or after the task this thread is running, if any. */
  static void run(Runnable task) {
    start(task);
  }

  /**
   * Runs {@code set.scheduleInstall()} like {@link #run(Runnable)} would, without allocating a task
   * object for it.
   */
  static void runInstall(ResourceSet set) {
    start(set);
  }

  private static void start(Object task) {
    State st = STATE.get();
    if (st.active) {
      st.queue.add(task);
      return;
    }
    st.active = true;
    try {
      runSafely(task);
      drain(st);
    } finally {
      st.active = false;
    }
  }

  /**
   * Returns {@code body}'s result, with nested {@link #run(Runnable)} calls deferred until it
   * returns or throws; then, if this is the outermost call on the thread, drains the queue before
   * returning (so nothing queued is lost when {@code body} throws).
   */
  static <T> T call(Supplier<T> body) {
    State st = STATE.get();
    if (st.active) {
      return body.get();
    }
    st.active = true;
    try {
      return body.get();
    } finally {
      try {
        drain(st);
      } finally {
        st.active = false;
      }
    }
  }

  /**
   * Runs the tasks queued on this thread, if the thread is inside {@link #run(Runnable)}. Called
   * before a thread blocks, so that the work it deferred cannot be what it waits for.
   */
  static void helpDrain() {
    State st = STATE.get();
    if (st.active) {
      drain(st);
    }
  }

  private static void drain(State st) {
    Object next;
    while ((next = st.queue.poll()) != null) {
      runSafely(next);
    }
  }

  private static void runSafely(Object task) {
    try {
      if (task instanceof ResourceSet) {
        ((ResourceSet) task).scheduleInstall();
      } else {
        ((Runnable) task).run();
      }
    } catch (RuntimeException | Error e) {
      // One handler rule with fence callbacks; the report never throws.
      Diagnostics.access().reportException(e);
    }
  }
}
