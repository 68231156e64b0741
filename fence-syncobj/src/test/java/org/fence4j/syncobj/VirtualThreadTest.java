package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.fence4j.testlib.VirtualThreadWaits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Blocking in every sync-object wait on virtual threads (JDK 21 and later): the waits park and hold
 * no monitor, so {@value #THREADS} virtual threads, far more than there are carriers, block at once
 * and all wake. Were a wait to pin its carrier, the rest would never start waiting.
 *
 * <p>Tagged {@code virtual-threads}: run on JDK 21+ only (the parent pom's {@code jdk21+} profile).
 */
@Tag("virtual-threads")
class VirtualThreadTest {
  static final int THREADS = 256;

  private static final Duration LONG = Duration.ofSeconds(30);
  private static final Duration BOUND = Duration.ofSeconds(20);

  @Test
  void waitAllForSubmit_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    SyncObject obj = SyncObject.create();

    blockTogetherThenRelease(
        () -> SyncObject.waitAll(List.of(obj.at(3)), LONG, WaitFlag.FOR_SUBMIT),
        () -> obj.signal(3));
  }

  @Test
  void waitAnyMixed_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    Fence work = new TestFence();
    b.addPoint(1, work);

    blockTogetherThenRelease(
        () -> SyncObject.waitAny(List.of(a.at(1), b.at(1)), LONG, WaitFlag.FOR_SUBMIT) == 1,
        work::signal);
  }

  @Test
  void waitAll_submittedPoints_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(1, work);

    blockTogetherThenRelease(
        () -> SyncObject.waitAll(List.of(obj.at(1)), LONG.toNanos(), TimeUnit.NANOSECONDS),
        work::signal);
  }

  @Test
  void awaitSubmitted_manyVirtualThreads_allBlockTogetherAndWake() throws Exception {
    SyncObject obj = SyncObject.create();

    blockTogetherThenRelease(
        () -> obj.awaitSubmitted(0, LONG).isPresent(), () -> obj.replace(new TestFence()));
  }

  /** Every one of {@value #THREADS} waits blocks at once, then all return {@code true}. */
  private static void blockTogetherThenRelease(Callable<Boolean> wait, Runnable release)
      throws Exception {
    assertThat(VirtualThreadWaits.blockTogetherThenRelease(THREADS, wait, release, BOUND))
        .isEqualTo(THREADS);
  }
}
