package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.testlib.VirtualThreadWaits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Blocking on virtual threads (JDK 21 and later): {@link WwMutex} and the reservation waits park
 * with {@code LockSupport} and hold no monitor, so {@value #THREADS} virtual threads (far more than
 * the carriers) can all be blocked on one reservation object at once. A path that pinned its
 * carrier would let only as many block as there are carriers; the rest would never start waiting.
 *
 * <p>Tagged {@code virtual-threads}: the build runs it on JDK 21 and later only (the parent pom's
 * {@code jdk21+} profile), since the code is compiled for 17 and starts virtual threads through
 * reflection.
 */
@Tag("virtual-threads")
class VirtualThreadTest {
  static final int THREADS = 256;

  private static final Duration BOUND = Duration.ofSeconds(20);

  private final ReservationObject buffer = new ReservationObject();

  /** Virtual threads contending for the lock without a context all block, then each locks once. */
  @Test
  void lock_manyVirtualThreads_allBlockTogetherThenEachLocks() throws Exception {
    AtomicInteger held = new AtomicInteger();
    buffer.lock();

    runBlockedThenRelease(
        () -> {
          buffer.lock();
          try {
            held.incrementAndGet();
          } finally {
            buffer.unlock();
          }
        },
        buffer::unlock);

    assertThat(held).hasValue(THREADS);
  }

  /**
   * Virtual threads locking with acquire contexts (backing off with lockSlow when told to) all
   * block, then each locks once.
   */
  @Test
  void lockWithContext_manyVirtualThreads_allBlockTogetherThenEachLocks() throws Exception {
    AtomicInteger held = new AtomicInteger();
    buffer.lock();

    runBlockedThenRelease(
        () -> {
          try (WwAcquireContext ctx = new WwAcquireContext(buffer.wwClass())) {
            try {
              buffer.lock(ctx);
            } catch (WwDeadlockException backOff) {
              buffer.lockSlow(ctx);
            }
            held.incrementAndGet();
            buffer.unlock();
          }
        },
        buffer::unlock);

    assertThat(held).hasValue(THREADS);
  }

  /** Virtual threads waiting for a buffer's fences all block, then all wake on the signal. */
  @Test
  void await_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    Fence write = TestSupport.fence();
    buffer.lock();
    try {
      buffer.reserveFences(1);
      buffer.addFence(write, Usage.WRITE);
    } finally {
      buffer.unlock();
    }
    AtomicInteger woken = new AtomicInteger();

    runBlockedThenRelease(
        () -> {
          if (buffer.await(Usage.WRITE, TestSupport.LONG)) {
            woken.incrementAndGet();
          }
        },
        write::signal);

    assertThat(woken).hasValue(THREADS);
  }

  /** A body that may throw anything; failures are collected and fail the test. */
  interface Body {
    void run() throws Exception;
  }

  /**
   * Starts {@value #THREADS} virtual threads running {@code body}, waits until every one is
   * blocked, runs {@code release}, and checks that every body finished without throwing.
   */
  private static void runBlockedThenRelease(Body body, Runnable release) throws Exception {
    VirtualThreadWaits.blockTogetherThenRelease(
        THREADS,
        () -> {
          body.run();
          return true;
        },
        release,
        BOUND);
  }
}
