package org.fence4j.syncobj;

import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.fence4j.testlib.VirtualThreadWaits;
import org.jspecify.annotations.Nullable;

/** Shared helpers: threads started by tests, blocked-state checks, bounded collection waits. */
final class TestSupport {
  /** Bound of every wait that is expected to succeed; only reached when something hangs. */
  static final Duration LONG = Duration.ofSeconds(20);

  /** A wait that is expected to time out. */
  static final Duration SHORT = Duration.ofMillis(20);

  private TestSupport() {}

  /** Waits until {@code spawned}'s thread is blocked. */
  static void awaitBlocked(Spawned<?> spawned) {
    await("blocked: " + spawned.thread().getName())
        .atMost(LONG)
        .pollInterval(Duration.ofMillis(1))
        .until(() -> VirtualThreadWaits.isBlocked(spawned.thread()) || !spawned.thread().isAlive());
  }

  /**
   * Runs {@code wait} in a thread named {@code waiter}, runs {@code action} once that thread is
   * blocked, and returns the wait's result (bounded join; the wait's failure is rethrown).
   */
  static <T> @Nullable T whileBlocked(Callable<T> wait, Action action) throws Exception {
    try (Spawned<T> waiter = Spawned.start("waiter", wait)) {
      awaitBlocked(waiter);
      action.run();

      return waiter.join();
    }
  }

  /** A test step that may throw. */
  @FunctionalInterface
  interface Action {
    void run() throws Exception;
  }

  /** Runs the collector until every reference is cleared; fails after {@link #LONG}. */
  static void awaitCleared(List<? extends WeakReference<?>> refs) {
    await("referents collected")
        .atMost(LONG)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              System.gc();
              return refs.stream().allMatch(ref -> ref.get() == null);
            });
  }

  /**
   * A thread started by a test, with its result or failure captured; {@link #close()} reaps it even
   * when the test fails early.
   */
  static final class Spawned<T> implements AutoCloseable {
    private final Thread thread;
    private volatile @Nullable T result;
    private volatile @Nullable Throwable failure;

    private Spawned(String name, Callable<T> body) {
      thread =
          new Thread(
              () -> {
                try {
                  result = body.call();
                } catch (Throwable t) {
                  failure = t;
                }
              },
              name);
      thread.setDaemon(true);
    }

    static <T> Spawned<T> start(String name, Callable<T> body) {
      Spawned<T> s = new Spawned<>(name, body);
      s.thread.start();
      return s;
    }

    Thread thread() {
      return thread;
    }

    /** Waits (bounded) for the thread and returns its result or rethrows its failure. */
    @Nullable T join() throws Exception {
      TimeUnit.NANOSECONDS.timedJoin(thread, LONG.toNanos());
      if (thread.isAlive()) {
        thread.interrupt();
        throw new AssertionError("thread " + thread.getName() + " did not finish in " + LONG);
      }
      Throwable t = failure;
      if (t instanceof Exception) {
        throw (Exception) t;
      }
      if (t instanceof Error) {
        throw (Error) t;
      }
      return result;
    }

    /** The failure the thread ended with, or null; call after {@link #join()} ran or failed. */
    @Nullable Throwable failure() {
      return failure;
    }

    @Override
    public void close() {
      if (thread.isAlive()) {
        thread.interrupt();
      }
      try {
        TimeUnit.MILLISECONDS.timedJoin(thread, LONG.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
