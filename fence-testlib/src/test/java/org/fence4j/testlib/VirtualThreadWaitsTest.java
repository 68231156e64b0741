package org.fence4j.testlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The virtual-thread check of the kit: it passes for a parking wait and fails for one that never
 * blocks.
 */
class VirtualThreadWaitsTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  /** A wait that parks: all threads block together, and every wait's true result is counted. */
  @Test
  @Tag("virtual-threads")
  void blockTogetherThenRelease_parkingWait_countsEveryWait() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);

    int succeeded =
        VirtualThreadWaits.blockTogetherThenRelease(
            64, () -> gate.await(BOUND.toNanos(), TimeUnit.NANOSECONDS), gate::countDown, BOUND);

    assertThat(succeeded).isEqualTo(64);
  }

  /** A wait that returns at once never shows all threads blocked: the check fails. */
  @Test
  @Tag("virtual-threads")
  void blockTogetherThenRelease_waitThatNeverBlocks_fails() {
    assertThatThrownBy(
            () ->
                VirtualThreadWaits.blockTogetherThenRelease(
                    4, () -> true, () -> {}, Duration.ofMillis(200)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("blocked at once");
  }

  /** Fewer than one thread is bad input. */
  @Test
  void blockTogetherThenRelease_zeroThreads_throwsIllegalArgument() {
    assertThatThrownBy(
            () -> VirtualThreadWaits.blockTogetherThenRelease(0, () -> true, () -> {}, BOUND))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
