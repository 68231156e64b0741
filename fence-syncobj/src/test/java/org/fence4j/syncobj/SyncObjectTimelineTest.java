package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Timeline points: adding, host signaling, the counter value under in-order and out-of-order
 * signaling, lookups, and 64-bit point numbers (after the kernel's syncobj_timeline tests).
 */
class SyncObjectTimelineTest {

  @Test
  void addPoint_pendingFence_isSubmittedNotSignaled() {
    SyncObject obj = SyncObject.create();

    obj.addPoint(1, new TestFence());

    assertThat(obj.lastSubmittedPoint()).isEqualTo(1);
    assertThat(obj.lastSignaledPoint()).isZero();
    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isFalse());
  }

  @Test
  void addPoint_fenceSignals_pointSignals() {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(1, work);

    work.signal();

    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
  }

  @Test
  void find_pointInGap_isLinkAboveIt() {
    SyncObject obj = SyncObject.create();
    obj.signal(2);
    Fence work = new TestFence();
    obj.addPoint(5, work);

    Fence three = obj.find(3).orElseThrow();

    assertThat(three.seqno()).isEqualTo(5);
    assertThat(three.isSignaled()).isFalse();
    work.signal();
    assertThat(three.isSignaled()).isTrue();
  }

  @Test
  void find_aboveLastSubmitted_isEmpty() {
    SyncObject obj = SyncObject.create();
    obj.signal(2);

    assertThat(obj.find(3)).isEmpty();
    assertThat(obj.find(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void find_signaledAndCollectedPoint_isSignaledFence() {
    SyncObject obj = SyncObject.create();
    for (int p = 1; p <= 100; p++) {
      obj.signal(p);
    }

    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isTrue());
  }

  /** The kernel's host-signal-points: every host signal moves the counter to that point. */
  @Test
  void signalPoint_hostSignaledPoints_counterFollowsAndWaitsSucceed() throws Exception {
    SyncObject obj = SyncObject.create();
    Random random = new Random(42);
    long value = 0;
    for (int i = 0; i < 100; i++) {
      value += 1 + random.nextInt(Integer.MAX_VALUE);

      obj.signal(value);

      assertThat(obj.lastSignaledPoint()).isEqualTo(value);
      assertThat(obj.lastSubmittedPoint()).isEqualTo(value);
      assertThat(SyncObject.waitAll(List.of(obj.at(value)), Duration.ZERO, WaitFlag.FOR_SUBMIT))
          .isTrue();
      assertThat(SyncObject.waitAll(List.of(obj.at(value - 1)), Duration.ZERO)).isTrue();
    }
  }

  /**
   * The kernel's device-signal-unordered: fences under ordered points signal out of order; the
   * counter is exactly the highest fully signaled prefix and never decreases.
   */
  @Test
  void lastSignaledPoint_fencesSignalOutOfOrder_isSignaledPrefixAndNeverDecreases()
      throws Exception {
    SyncObject obj = SyncObject.create();
    int[] signalOrder = {1, 3, 2, 5, 4}; // point signaled at each step
    List<Fence> fences = new ArrayList<>();
    for (int p = 1; p <= 5; p++) {
      Fence f = new TestFence();
      fences.add(f);
      obj.addPoint(p, f);
    }
    boolean[] signaled = new boolean[6];
    long previous = 0;
    for (int point : signalOrder) {
      fences.get(point - 1).signal();
      signaled[point] = true;
      long prefix = 0;
      while (prefix < 5 && signaled[(int) prefix + 1]) {
        prefix++;
      }

      long value = obj.lastSignaledPoint();

      assertThat(value).isEqualTo(prefix).isGreaterThanOrEqualTo(previous);
      previous = value;
      assertThat(SyncObject.waitAll(List.of(obj.at(value)), Duration.ZERO, WaitFlag.FOR_SUBMIT))
          .isTrue();
    }
  }

  /** A point whose own fence signaled early still waits for the earlier points. */
  @Test
  void find_laterFenceSignaledFirst_pointWaitsForEarlierPoints() {
    SyncObject obj = SyncObject.create();
    Fence first = new TestFence();
    Fence second = new TestFence();
    obj.addPoint(1, first);
    obj.addPoint(2, second);

    second.signal();

    assertThat(obj.find(2)).hasValueSatisfying(f -> assertThat(f.isSignaled()).isFalse());
    assertThat(obj.lastSignaledPoint()).isZero();
  }

  /** The kernel's host-signal-ordered: a host signal above pending points waits for them. */
  @Test
  void signalPoint_abovePendingPoints_counterWaitsForThem() {
    SyncObject obj = SyncObject.create();
    try (SoftwareTimeline timeline = SoftwareTimeline.create("syncobj-host-ordered")) {
      for (int p = 1; p <= 5; p++) {
        obj.addPoint(p, timeline.createFence(p));
      }
      timeline.increment(3);
      assertThat(obj.lastSignaledPoint()).isEqualTo(3);

      obj.signal(8);

      assertThat(obj.lastSignaledPoint()).isEqualTo(3);
      timeline.increment(2);
      assertThat(obj.lastSignaledPoint()).isEqualTo(8);
    }
  }

  /** The kernel's 32bits-limit: points beyond 2^32 compare as 64-bit numbers, never wrap. */
  @Test
  void addPoint_pointsAcross32BitLimit_noWrap() throws Exception {
    SyncObject obj = SyncObject.create();
    long below = 0xFFFF_FFFFL;
    long above = 0x1_0000_0000L;
    Fence low = new TestFence();
    Fence high = new TestFence();
    obj.addPoint(below, low);
    obj.addPoint(above, high);

    low.signal();

    assertThat(obj.lastSignaledPoint()).isEqualTo(below);
    assertThat(obj.lastSubmittedPoint()).isEqualTo(above);
    assertThat(SyncObject.waitAll(List.of(obj.at(above)), Duration.ZERO)).isFalse();
    high.signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(above);
    assertThatThrownBy(() -> obj.addPoint(1, new TestFence()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signalPoint_maxLongPoint_isSignaled() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.signal(1L << 62);

    obj.signal(Long.MAX_VALUE);

    assertThat(obj.lastSignaledPoint()).isEqualTo(Long.MAX_VALUE);
    assertThat(SyncObject.waitAll(List.of(obj.at(Long.MAX_VALUE)), Duration.ZERO)).isTrue();
  }

  @Test
  void addPoint_fenceFailed_pointCarriesErrorAndStillCounts() {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(1, work);

    work.signal(FenceError.EIO);

    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
    assertThat(obj.find(1)).hasValueSatisfying(f -> assertThat(f.error()).contains(FenceError.EIO));
  }

  @Test
  void addPoint_arrayFence_isAccepted() {
    SyncObject obj = SyncObject.create();
    Fence a = new TestFence();
    Fence b = new TestFence();

    obj.addPoint(1, org.fence4j.FenceArray.all(List.of(a, b)));
    a.signal();
    b.signal();

    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
  }

  @Test
  void lastSignaledPoint_manyPointsSignaledInOrder_tracksEachStep() {
    SyncObject obj = SyncObject.create();
    List<Fence> fences = new ArrayList<>();
    for (int p = 1; p <= 50; p++) {
      Fence f = new TestFence();
      fences.add(f);
      obj.addPoint(p, f);
    }

    for (int p = 1; p <= 50; p++) {
      fences.get(p - 1).signal();
      assertThat(obj.lastSignaledPoint()).isEqualTo(p);
    }
  }
}
