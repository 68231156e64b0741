package org.fence4j.examples.pipeline;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.fence4j.Fence;

/**
 * Knows when every stage thread of the pipeline is blocked, so that the driver can advance the
 * scripted clock only then: what makes the run deterministic.
 *
 * <p>A counter holds the number of activations: a stage thread that is running counts one, and so
 * does a job queued for a stage and not yet finished. A stage that blocks on a fence through {@link
 * #await(Fence)} first registers a callback that counts it again when the fence signals, then stops
 * counting itself and waits. Since a fence's inline callbacks have all run when {@code signal()}
 * returns, the counter is above zero from the moment a fence wakes a stage until that stage blocks
 * again: when the driver sees zero, nothing runs until the driver itself signals something.
 *
 * <p>The driver parks while the counter is above zero; the thread that brings it to zero unparks
 * it.
 */
final class Quiescence {
  private final AtomicInteger active = new AtomicInteger();
  private final Duration stageTimeout;
  private volatile Thread driver = Thread.currentThread();

  /**
   * @param stageTimeout how long a stage may stay blocked on one fence, or the driver wait for the
   *     stages, before the run is declared broken
   */
  Quiescence(Duration stageTimeout) {
    this.stageTimeout = stageTimeout;
  }

  /** Counts one more activation (a stage about to start, or a job handed to a stage). */
  void enter() {
    active.incrementAndGet();
  }

  /** Ends one activation; the last one wakes the driver. */
  void exit() {
    if (active.decrementAndGet() == 0) {
      LockSupport.unpark(driver);
    }
  }

  /**
   * Blocks the calling stage on {@code fence} while not counting it as running.
   *
   * @return {@code true} if the stage blocked, {@code false} if the fence was already signaled
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalStateException if the fence does not signal within the stage timeout
   */
  boolean await(Fence fence) throws InterruptedException {
    if (fence.isSignaled() || !fence.addCallback(f -> enter())) {
      return false; // already signaled: the stage goes on without blocking
    }
    exit(); // blocked from here on, until the callback counts the stage again
    if (!fence.await(stageTimeout)) {
      throw new IllegalStateException("stage blocked too long on " + fence.describe());
    }
    return true;
  }

  /**
   * Makes the calling thread the driver and parks it until no activation is left, or {@code failed}
   * says a stage failed (the caller checks).
   *
   * @throws IllegalStateException if the stages do not all block within the stage timeout (a stage
   *     is stuck outside a fence wait)
   */
  void awaitQuiet(BooleanSupplier failed) {
    driver = Thread.currentThread();
    long deadline = System.nanoTime() + stageTimeout.toNanos();
    while (active.get() != 0 && !failed.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(
            "the pipeline's stages did not settle within " + stageTimeout);
      }
      LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
  }
}
