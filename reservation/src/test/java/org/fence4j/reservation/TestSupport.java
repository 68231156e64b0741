package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.testlib.TestFence;

/** Shared helpers: fences, single-thread workers that own acquire contexts, and waiting. */
final class TestSupport {
  static final Duration LONG = Duration.ofSeconds(10);

  private TestSupport() {}

  /** A fresh pending fence on a fresh context. */
  static Fence fence() {
    return FenceContext.create("test", "t").next();
  }

  /** A plain fence subclass that records the deadline hint it receives. */
  static final class RecordingFence extends TestFence {
    volatile long deadline = -1;

    RecordingFence(long context, long seqno) {
      super(context, seqno, "test", "recording");
    }

    @Override
    protected void onDeadline(long deadlineNanos) {
      deadline = deadlineNanos;
    }
  }

  /**
   * A thread that runs submitted tasks one by one, so that an acquire context (confined to its
   * creating thread) can be driven step by step from a test.
   */
  static final class Worker implements AutoCloseable {
    private final ExecutorService executor;
    final Thread thread;

    Worker(String name) {
      executor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              });
      thread = call(Thread::currentThread);
    }

    <T> Future<T> submit(Callable<T> task) {
      return executor.submit(task);
    }

    <T> T call(Callable<T> task) {
      try {
        return executor.submit(task).get(LONG.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        if (c instanceof Error) {
          throw (Error) c;
        }
        throw new AssertionError(c);
      } catch (InterruptedException | TimeoutException e) {
        throw new AssertionError(e);
      }
    }

    void run(ThrowingRunnable task) {
      call(
          () -> {
            task.run();
            return null;
          });
    }

    /** Waits until the worker thread is parked on {@code blocker} (e.g. a WwMutex). */
    void awaitParkedOn(Object blocker) {
      await()
          .atMost(LONG)
          .pollInterval(Duration.ofMillis(2))
          .until(() -> LockSupport.getBlocker(thread) == blocker);
    }

    /**
     * Waits until the worker thread is parked inside CompletableFuture.get (a ResourceSet wait).
     */
    void awaitParkedInFuture() {
      await()
          .atMost(LONG)
          .pollInterval(Duration.ofMillis(2))
          .until(
              () -> {
                Object b = LockSupport.getBlocker(thread);
                return b != null && b.getClass().getName().contains("CompletableFuture");
              });
    }

    @Override
    public void close() throws InterruptedException {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Waits for a future and returns its value, failing the test on timeout. */
  static <T> T get(Future<T> f) throws Exception {
    return f.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
  }
}
