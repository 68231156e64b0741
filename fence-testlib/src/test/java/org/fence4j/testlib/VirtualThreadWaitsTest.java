package org.fence4j.testlib;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

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

  /** Virtual threads are reported available exactly from JDK 21 on. */
  @Test
  void available_matchesRuntimeVersion() {
    assertThat(VirtualThreadWaits.available()).isEqualTo(Runtime.version().feature() >= 21);
  }

  /**
   * On JDK 21+ a virtual thread starts; before JDK 21 the calling test is aborted (reported as
   * skipped by JUnit), not failed.
   */
  @Test
  void startVirtual_thisRuntime_startsOrAbortsTheTest() throws Exception {
    if (VirtualThreadWaits.available()) {
      CountDownLatch ran = new CountDownLatch(1);
      Thread t = VirtualThreadWaits.startVirtual(ran::countDown);
      t.join(BOUND.toMillis());
      assertThat(ran.getCount()).isZero();
    } else {
      assertThatThrownBy(() -> VirtualThreadWaits.startVirtual(() -> {}))
          .isInstanceOf(TestAbortedException.class)
          .hasMessageContaining("JDK 21");
    }
  }
}
