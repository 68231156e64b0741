package org.fence4j;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A thread started by a test, with its result or failure captured. {@link #join()} bounds the wait
 * and rethrows what the thread threw; {@link #close()} (try-with-resources) makes sure the thread
 * is gone even when the test fails early. Public for the tests of {@code org.fence4j.debug}.
 *
 * @param <T> the body's result
 */
public final class Spawned<T> implements AutoCloseable {
  /** Generous bound for a thread the test expects to finish; only hit when something hangs. */
  public static final Duration JOIN_BOUND = Duration.ofSeconds(20);

  private final Thread thread;
  private volatile @Nullable T result;
  private volatile @Nullable Throwable failure;

  private Spawned(String name, long stackSize, Callable<T> body) {
    this.thread =
        new Thread(
            null,
            () -> {
              try {
                result = body.call();
              } catch (Throwable t) {
                failure = t;
              }
            },
            name,
            stackSize);
    thread.setDaemon(true);
  }

  /** Starts {@code body} in a new thread named {@code name}. */
  public static <T> Spawned<T> start(String name, Callable<T> body) {
    return startWithStack(name, 0L, body);
  }

  /** Starts {@code body} in a new thread with the given stack size (0: the platform default). */
  public static <T> Spawned<T> startWithStack(String name, long stackSize, Callable<T> body) {
    Spawned<T> spawned = new Spawned<>(name, stackSize, body);
    spawned.thread.start();
    return spawned;
  }

  /** The thread. */
  public Thread thread() {
    return thread;
  }

  /** Waits for the thread, bounded, and returns its result or rethrows its failure. */
  public @Nullable T join() throws Exception {
    return join(JOIN_BOUND);
  }

  /**
   * Waits up to {@code bound} for the thread and returns its result or rethrows its failure; if the
   * thread is still running, interrupts it and fails ({@link #close()} then reaps it).
   */
  public @Nullable T join(Duration bound) throws Exception {
    TimeUnit.NANOSECONDS.timedJoin(thread, bound.toNanos());
    if (thread.isAlive()) {
      thread.interrupt();
      throw new AssertionError("thread " + thread.getName() + " did not finish in " + bound);
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

  /**
   * Interrupts the thread if it is still running and waits, bounded, for it to end. If the calling
   * thread is interrupted meanwhile, it stops waiting and keeps its interrupt flag.
   */
  @Override
  public void close() {
    if (thread.isAlive()) {
      thread.interrupt();
    }
    try {
      TimeUnit.MILLISECONDS.timedJoin(thread, JOIN_BOUND.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
