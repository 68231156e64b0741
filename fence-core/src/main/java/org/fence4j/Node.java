package org.fence4j;

import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * An entry of a pending fence's state list (see the overview in {@link Fence}).
 *
 * <p>Lists are immutable once published: {@link #next} is written only before the node is published
 * by the CAS that installs it, and removal copies the nodes above the removed one ({@link
 * #copyWithNext}). The one mutable field, {@link Listener#fifoNext}, belongs to the thread that
 * detached the list when it signaled the fence, and then to the one thread that runs the chain: a
 * relay thread takes it over only through a hand-off or a steal (see Dispatcher), which orders the
 * owner's writes before the relay's reads; two threads never use it at once.
 */
abstract class Node {
  /** The next older entry, or {@code null} at the bottom. Written only before publication. */
  @Nullable Node next;

  Node(@Nullable Node next) {
    this.next = next;
  }

  /** Returns a copy of this entry on top of {@code next} (for copy-on-write removal). */
  abstract Node copyWithNext(@Nullable Node next);

  /** The bottom marker of a list whose fence has had signaling enabled. */
  static final Node ENABLED = marker("ENABLED");

  /** Returns a marker node: never copied, compared by identity. */
  static Node marker(String name) {
    return new Node(null) {
      @Override
      Node copyWithNext(@Nullable Node next) {
        throw new AssertionError(name + " is never copied");
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  /** An error recorded with {@link Fence#setError} before the fence signaled. */
  static final class ErrorNode extends Node {
    final FenceError error;

    ErrorNode(FenceError error, @Nullable Node next) {
      super(next);
      this.error = error;
    }

    @Override
    Node copyWithNext(@Nullable Node next) {
      return new ErrorNode(error, next);
    }
  }

  /** Something to run or wake when the fence signals. */
  abstract static class Listener extends Node {
    /** Registration-order link, built by the signaling thread after it detached the list. */
    @Nullable Listener fifoNext;

    Listener(@Nullable Node next) {
      super(next);
    }

    /** The identity removal matches on. */
    abstract Object key();

    /** Runs the listener for {@code fence}; exceptions are the caller's to report. */
    abstract void fire(Fence fence);

    /**
     * Whether it runs before every ordinary callback (a library wake-up; see Dispatcher). A type
     * check of a final class, not a virtual call: it runs for every callback of every signal.
     */
    final boolean isUrgent() {
      return this instanceof UrgentCallbackNode;
    }
  }

  /** A callback run inline by the signaling thread. */
  static class CallbackNode extends Listener {
    final FenceCallback callback;

    CallbackNode(FenceCallback callback, @Nullable Node next) {
      super(next);
      this.callback = callback;
    }

    @Override
    Object key() {
      return callback;
    }

    @Override
    void fire(Fence fence) {
      callback.onSignaled(fence);
    }

    @Override
    Node copyWithNext(@Nullable Node next) {
      return new CallbackNode(callback, next);
    }
  }

  /**
   * A callback of the library's own that wakes waiters (waitAny, an array's member count, a chain's
   * re-arm): it runs before every ordinary callback, so no waiter waits behind user code.
   */
  static final class UrgentCallbackNode extends CallbackNode {
    UrgentCallbackNode(FenceCallback callback, @Nullable Node next) {
      super(callback, next);
    }

    @Override
    Node copyWithNext(@Nullable Node next) {
      return new UrgentCallbackNode(callback, next);
    }
  }

  /** A callback handed to an executor by the signaling thread. */
  static final class ExecutorCallbackNode extends CallbackNode implements Runnable {
    final Executor executor;
    final Fence fence;

    ExecutorCallbackNode(
        FenceCallback callback, Executor executor, Fence fence, @Nullable Node next) {
      super(callback, next);
      this.executor = executor;
      this.fence = fence;
    }

    @Override
    void fire(Fence signaled) {
      executor.execute(this);
    }

    @Override
    public void run() {
      try {
        callback.onSignaled(fence);
      } catch (Throwable t) {
        Dispatcher.report(t);
      }
    }

    @Override
    Node copyWithNext(@Nullable Node next) {
      return new ExecutorCallbackNode(callback, executor, fence, next);
    }
  }

  /** A thread parked in {@link Fence#await}; woken before any callback runs. */
  static final class Waiter extends Listener {
    final Thread thread;

    Waiter(Thread thread, @Nullable Node next) {
      super(next);
      this.thread = thread;
    }

    @Override
    Object key() {
      return thread;
    }

    @Override
    void fire(Fence fence) {
      LockSupport.unpark(thread);
    }

    @Override
    Node copyWithNext(@Nullable Node next) {
      return new Waiter(thread, next);
    }
  }
}
