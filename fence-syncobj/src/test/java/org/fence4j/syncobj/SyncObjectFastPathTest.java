package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.FenceContexts;
import org.fence4j.FenceError;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * The already-done paths: a wait whose points have all signaled, a host signal and a counter query
 * (whose link is built only when someone needs the point's fence). They allocate nothing per call
 * (counted with the thread's allocated-bytes counter, which counts in the interpreter too, where no
 * escape analysis hides an allocation) and keep every rule of the full paths.
 */
class SyncObjectFastPathTest {

  private static final int CALLS = 10_000;
  private static final WaitFlag[] NO_FLAGS = {};
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /**
   * Bytes this thread allocates running {@code action} {@code CALLS} times, after a warm-up. The
   * counter is {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}, reached
   * reflectively (the module under test does not read the management modules).
   */
  private static long allocatedBy(ThrowingRunnable action) throws Exception {
    Object threads =
        Class.forName("java.lang.management.ManagementFactory")
            .getMethod("getThreadMXBean")
            .invoke(null);
    Method allocated =
        Class.forName("com.sun.management.ThreadMXBean")
            .getMethod("getThreadAllocatedBytes", long.class);
    Long thread = Thread.currentThread().getId();
    for (int i = 0; i < CALLS; i++) {
      action.run();
    }
    long before = (Long) allocated.invoke(threads, thread);
    for (int i = 0; i < CALLS; i++) {
      action.run();
    }
    return (Long) allocated.invoke(threads, thread) - before;
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static List<SyncPoint> eightSignaledPoints() {
    List<SyncPoint> points = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      SyncObject obj = SyncObject.create();
      obj.signal(1);
      points.add(obj.at(1));
    }
    return List.copyOf(points);
  }

  @Test
  void waitAll_everyPointSignaled_allocatesNothing() throws Exception {
    List<SyncPoint> points = eightSignaledPoints();

    long bytes =
        allocatedBy(
            () -> {
              if (!SyncObject.waitAll(points, TIMEOUT, NO_FLAGS)) {
                throw new AssertionError("not done");
              }
            });

    assertThat(bytes).isLessThan(CALLS); // under a byte per call: nothing per call
  }

  @Test
  void waitAll_signaledPointsInterruptedOnEntry_throwsAndClearsFlag() {
    List<SyncPoint> points = eightSignaledPoints();
    Thread.currentThread().interrupt();

    assertThatThrownBy(() -> SyncObject.waitAll(points, TIMEOUT))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void waitAll_signaledPointsNegativeTimeout_throwsIllegalArgument() {
    List<SyncPoint> points = eightSignaledPoints();

    assertThatThrownBy(() -> SyncObject.waitAll(points, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void waitAll_signaledAndUnsubmittedPoints_throwsIllegalStateNamingIt() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);

    assertThatThrownBy(() -> SyncObject.waitAll(List.of(obj.at(1), obj.at(2)), Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("points[1]");
  }

  @Test
  void waitAll_pointInGapUnderPendingLink_notDone() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.addPoint(5, new TestFence()); // point 3 is covered by point 5's link

    assertThat(SyncObject.waitAll(List.of(obj.at(1)), Duration.ZERO)).isTrue();
    assertThat(SyncObject.waitAll(List.of(obj.at(1), obj.at(3)), Duration.ZERO)).isFalse();
  }

  @Test
  void waitAll_oldPointSignaledUnderPendingPoints_doneWithoutQueryFirst() throws Exception {
    SyncObject obj = SyncObject.create();
    TestFence first = new TestFence();
    obj.addPoint(1, first);
    obj.addPoint(2, new TestFence());
    first.signal();

    assertThat(SyncObject.waitAll(List.of(obj.at(1)), Duration.ZERO)).isTrue();
  }

  @Test
  void waitAll_pointWhoseEarlierPointIsPending_notDone() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new TestFence());
    obj.signal(2);

    assertThat(SyncObject.waitAll(List.of(obj.at(2)), Duration.ZERO)).isFalse();
  }

  @Test
  void signal_hostSignalAndQueryNobodyLooksAt_allocateNothing() throws Exception {
    SyncObject obj = SyncObject.create();
    long[] point = {0};

    long bytes =
        allocatedBy(
            () -> {
              obj.signal(++point[0]);
              if (obj.lastSignaledPoint() != point[0]) {
                throw new AssertionError("counter behind");
              }
            });

    assertThat(bytes).isLessThan(CALLS); // under a byte per call: no link, no new state
  }

  @Test
  void fence_afterHostSignals_isSignaledLinkOfLastPoint() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.signal(3);

    Fence head = obj.fence().orElseThrow();

    assertThat(head).isInstanceOf(FenceChain.class);
    assertThat(head.seqno()).isEqualTo(3);
    assertThat(head.isSignaled()).isTrue();
  }

  @Test
  void fence_askedTwiceAfterHostSignal_sameLink() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);

    assertThat(obj.fence().orElseThrow()).isSameAs(obj.fence().orElseThrow());
  }

  @Test
  void find_hostSignaledPointsOverPendingPoint_pendingUntilItSignals() {
    SyncObject obj = SyncObject.create();
    TestFence work = new TestFence();
    obj.addPoint(1, work);
    obj.signal(2);
    obj.signal(3);

    Fence second = obj.find(2).orElseThrow();
    assertThat(obj.lastSignaledPoint()).isZero();
    assertThat(second.isSignaled()).isFalse();

    work.signal();
    assertThat(second.isSignaled()).isTrue();
    assertThat(obj.lastSignaledPoint()).isEqualTo(3);
  }

  @Test
  void lastSignaledPoint_hostSignalsOverPendingPoint_followsIt() {
    SyncObject obj = SyncObject.create();
    TestFence work = new TestFence();
    obj.addPoint(1, work);
    obj.signal(2);

    assertThat(obj.lastSignaledPoint()).isZero();
    work.signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
  }

  @Test
  void addPoint_afterHostSignals_newPointCoversOnlyItsOwnRange() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.signal(2);
    obj.addPoint(4, new TestFence());

    assertThat(obj.find(2).orElseThrow().isSignaled()).isTrue();
    assertThat(obj.find(3).orElseThrow().isSignaled()).isFalse();
    assertThat(((FenceChain) obj.find(4).orElseThrow()).prevSeqno()).isEqualTo(2);
    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
  }

  @Test
  void whenSubmitted_hostSignalOfAwaitedPoint_completesWithSignaledLink() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    CompletableFuture<Fence> future = obj.whenSubmitted(2);

    obj.signal(2);

    Fence link = future.getNow(null);
    assertThat(link).isInstanceOf(FenceChain.class);
    assertThat(link.seqno()).isEqualTo(2);
    assertThat(link.isSignaled()).isTrue();
  }

  @Test
  void describe_afterHostSignals_showsCounter() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.signal(2);

    assertThat(obj.describe()).contains("timeline submitted=2 signaled=2");
  }

  @Test
  void signal_unorderedAfterHostSignal_throwsAndLeavesObjectUnchanged() {
    SyncObject obj = SyncObject.create();
    obj.signal(2);

    assertThatThrownBy(() -> obj.signal(2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(obj.lastSubmittedPoint()).isEqualTo(2);
    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
  }

  @Test
  void waitAll_pointZeroOfHostSignaledTimeline_done() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.signal(1);

    assertThat(SyncObject.waitAll(List.of(obj.at(0)), Duration.ZERO)).isTrue();
  }

  @Test
  void find_hostSignalsAfterFailedPoint_reportItsError() {
    SyncObject obj = SyncObject.create();
    TestFence work = new TestFence();
    obj.addPoint(1, work);
    work.signal(FenceError.EIO);
    obj.signal(2);
    obj.signal(3);

    assertThat(obj.find(3).orElseThrow().error()).contains(FenceError.EIO);
  }

  @Test
  void signal_afterLookupEndedHostRun_allocatesNothingAgain() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.fence().orElseThrow(); // builds the head: the next host signal starts a new run
    long[] point = {1};

    long bytes = allocatedBy(() -> obj.signal(++point[0]));

    assertThat(bytes).isLessThan(CALLS);
    assertThat(obj.lastSignaledPoint()).isEqualTo(point[0]);
  }

  @Test
  void lastSubmittedPoint_hostRunThenReset_startsOver() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);
    obj.signal(2);

    obj.reset();

    assertThat(obj.lastSubmittedPoint()).isZero();
    assertThat(obj.lastSignaledPoint()).isZero();
    assertThat(obj.find(1)).isEmpty();
  }

  /** A pending driver fence whose peek hook throws: nobody may ask it from a host signal. */
  private static final class ThrowingPeekFence extends Fence {
    ThrowingPeekFence() {
      super(FenceContexts.allocate(1), 1);
    }

    @Override
    protected boolean peekSignaled() {
      throw new IllegalStateException("peek hook called");
    }

    @Override
    public String driverName() {
      return "test";
    }

    @Override
    public String timelineName() {
      return "throwing-peek";
    }
  }

  @Test
  void signal_overPendingPointWithThrowingPeekHook_callsNoHook() {
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new ThrowingPeekFence());

    obj.signal(2);
    obj.signal(3);

    assertThat(obj.lastSubmittedPoint()).isEqualTo(3);
  }
}
