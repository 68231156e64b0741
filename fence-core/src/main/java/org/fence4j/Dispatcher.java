package org.fence4j;

import org.jspecify.annotations.Nullable;

/**
 * Runs the callbacks of signaled fences without growing the stack.
 *
 * <p>Each thread has one dispatcher. The first signal on a thread runs its fence's callbacks; a
 * signal made from inside a callback (a cascade: arrays, chains, pipelines) only queues its
 * callbacks here, and the outermost call runs the queue until it is empty before it returns. So a
 * cascade of any depth uses constant stack, every callback still runs exactly once, and the
 * callbacks of one fence run in registration order. The queue is a ring of (fence, first-listener)
 * pairs owned by its thread; nothing here is shared between threads.
 */
final class Dispatcher {
  private static final ThreadLocal<Dispatcher> CURRENT = ThreadLocal.withInitial(Dispatcher::new);

  /** Where callback exceptions go; {@code null} means the default uncaught-exception handler. */
  static volatile Thread.@Nullable UncaughtExceptionHandler handler;

  /** True while this thread is inside {@link #dispatch}. */
  private boolean running;

  /** Ring of pending (fence, listener-chain) pairs; allocated on the first nested signal. */
  private Object @Nullable [] ring;

  private int head;
  private int size;

  private Dispatcher() {}

  /** Runs (or, when nested, queues) the listener chain {@code first} of {@code fence}. */
  static void dispatch(Fence fence, Node.Listener first) {
    Dispatcher d = CURRENT.get();
    if (d.running) {
      d.enqueue(fence, first);
      return;
    }
    d.running = true;
    try {
      runChain(fence, first);
      d.drain();
    } finally {
      d.running = false;
    }
  }

  /** Whether the current thread is running inline callbacks (for the signaling-path check). */
  static boolean inCallback() {
    return CURRENT.get().running;
  }

  /**
   * Runs the callbacks queued on this thread by signals made inside the callback that is running
   * now, if any. Called before a blocking wait: a callback that signals a fence and then waits on a
   * fence derived from it (an array, a chain) would otherwise wait for work queued behind itself.
   */
  static void runQueued() {
    Dispatcher d = CURRENT.get();
    if (!d.running) {
      return;
    }
    d.drain();
  }

  private void drain() {
    while (size > 0) {
      Object[] r = ring;
      int i = head;
      Fence f = (Fence) r[i];
      Node.Listener l = (Node.Listener) r[i + 1];
      r[i] = null;
      r[i + 1] = null;
      head = (i + 2) & (r.length - 1);
      size -= 2;
      runChain(f, l);
    }
  }

  private static void runChain(Fence fence, Node.@Nullable Listener l) {
    while (l != null) {
      Node.Listener next = l.fifoNext;
      l.fifoNext = null;
      try {
        l.fire(fence);
      } catch (Throwable t) {
        report(t);
      }
      l = next;
    }
  }

  private void enqueue(Fence fence, Node.Listener first) {
    Object[] r = ring;
    if (r == null) {
      r = ring = new Object[32];
    } else if (size == r.length) {
      Object[] bigger = new Object[r.length * 2];
      for (int k = 0; k < size; k++) {
        bigger[k] = r[(head + k) & (r.length - 1)];
      }
      r = ring = bigger;
      head = 0;
    }
    int tail = (head + size) & (r.length - 1);
    r[tail] = fence;
    r[tail + 1] = first;
    size += 2;
  }

  /** Reports an exception thrown by a callback; never throws. */
  static void report(Throwable t) {
    Thread current = Thread.currentThread();
    try {
      Thread.UncaughtExceptionHandler h = handler;
      if (h == null) {
        h = Thread.getDefaultUncaughtExceptionHandler();
      }
      if (h != null) {
        h.uncaughtException(current, t);
      } else {
        System.err.print("Exception in a fence callback on thread \"" + current.getName() + "\" ");
        t.printStackTrace();
      }
    } catch (Throwable ignored) {
      // A handler that throws must not stop the other callbacks or the signal.
    }
  }
}
