package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SoftwareTimeline, the sw_sync equivalent. */
class SoftwareTimelineTest {
  /** How long a callback waits for a helper thread before calling it a deadlock. */
  private static final Duration DEADLOCK_BOUND = Duration.ofSeconds(5);

  private final SoftwareTimeline timeline = SoftwareTimeline.create("sw-test");

  @AfterEach
  void close() {
    timeline.close();
  }

  // -------------------------------------------------------------------------------------------
  // Identity

  /** A new timeline starts at value 0 with its name and a fresh context. */
  @Test
  void create_newTimeline_valueZeroNameAndFreshContext() {
    try (SoftwareTimeline other = SoftwareTimeline.create("other")) {
      assertThat(timeline.value()).isZero();
      assertThat(timeline.name()).isEqualTo("sw-test");
      assertThat(timeline.context()).isPositive().isNotEqualTo(other.context());
    }
  }

  /** A point has the timeline's context, its value as seqno, the names "sw_sync" and the name. */
  @Test
  void createFence_point_hasTimelineIdentity() {
    Fence point = timeline.createFence(4);

    assertThat(point.context()).isEqualTo(timeline.context());
    assertThat(point.seqno()).isEqualTo(4L);
    assertThat(point.driverName()).isEqualTo("sw_sync");
    assertThat(point.timelineName()).isEqualTo("sw-test");
  }

  // -------------------------------------------------------------------------------------------
  // Signaling

  /** A point signals when the value reaches it, not before. */
  @Test
  void increment_reachesPoint_signalsIt() {
    Fence point = timeline.createFence(3);

    timeline.increment(2);
    assertThat(point.isSignaled()).isFalse();
    timeline.increment(1);

    assertThat(point.isSignaled()).isTrue();
    assertThat(point.status()).isOne();
    assertThat(timeline.value()).isEqualTo(3L);
  }

  /** Points signal in value order, whatever order they were created in. */
  @Test
  void increment_pastSeveralPoints_signalsInValueOrder() {
    List<Long> order = new ArrayList<>();
    for (long value : new long[] {3, 1, 5, 2, 4}) {
      timeline.createFence(value).addCallback(f -> order.add(f.seqno()));
    }

    timeline.increment(5);

    assertThat(order).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  /** An increment signals only the points it reaches. */
  @Test
  void increment_partWay_leavesLaterPointsPending() {
    Fence reached = timeline.createFence(2);
    Fence later = timeline.createFence(6);

    timeline.increment(4);

    assertThat(reached.isSignaled()).isTrue();
    assertThat(later.isSignaled()).isFalse();
    assertThat(timeline.pendingPoints()).containsExactly(later);
  }

  /** A point at or below the current value is born signaled. */
  @Test
  void createFence_atOrBelowValue_isBornSignaled() {
    timeline.increment(5);

    assertThat(timeline.createFence(5).isSignaled()).isTrue();
    assertThat(timeline.createFence(2).isSignaled()).isTrue();
    assertThat(timeline.createFence(0).isSignaled()).isTrue();
    assertThat(timeline.createFence(6).isSignaled()).isFalse();
  }

  /** Asking twice for the same pending value returns the same fence. */
  @Test
  void createFence_equalPendingValue_returnsSameFence() {
    Fence first = timeline.createFence(7);

    assertThat(timeline.createFence(7)).isSameAs(first);
  }

  /** increment(0) changes nothing. */
  @Test
  void increment_zero_changesNothing() {
    Fence point = timeline.createFence(1);

    timeline.increment(0);

    assertThat(timeline.value()).isZero();
    assertThat(point.isSignaled()).isFalse();
  }

  /** Point callbacks run outside the timeline's lock: another thread can use it meanwhile. */
  @Test
  void increment_callbackUsesTimelineFromAnotherThread_doesNotBlock() throws Exception {
    Fence point = timeline.createFence(1);
    AtomicReference<Object> outcome = new AtomicReference<>();
    List<Spawned<Boolean>> helpers = new ArrayList<>();
    point.addCallback(
        f -> {
          Spawned<Boolean> helper =
              Spawned.start("helper", () -> timeline.createFence(1).isSignaled());
          helpers.add(helper);
          try {
            outcome.set(helper.join(DEADLOCK_BOUND));
          } catch (Exception | AssertionError e) {
            outcome.set(e);
          }
        });

    try {
      timeline.increment(1);
    } finally {
      for (Spawned<Boolean> helper : helpers) {
        helper.close();
      }
    }

    assertThat(outcome).hasValue(true);
  }

  /** Concurrent increments signal points in value order: a point's callback sees all below it. */
  @Test
  void increment_concurrentIncrements_signalInValueOrder() throws Exception {
    int points = 400;
    class Round {
      final SoftwareTimeline tl = SoftwareTimeline.create("race");
      final List<Fence> fences = new ArrayList<>();
      final List<Long> outOfOrder = new CopyOnWriteArrayList<>();

      Round() {
        for (int v = 1; v <= points; v++) {
          Fence fence = tl.createFence(v);
          int index = v - 1;
          fence.addCallback(
              f -> {
                for (int below = 0; below < index; below++) {
                  if (!fences.get(below).isSignaled()) {
                    outOfOrder.add(f.seqno());
                    return;
                  }
                }
              });
          fences.add(fence);
        }
      }
    }
    Race.Party<Round> incrementer =
        r -> {
          for (int i = 0; i < points / 4; i++) {
            r.tl.increment(1);
          }
        };

    Race.run(
        200,
        Round::new,
        List.of(incrementer, incrementer, incrementer, incrementer),
        r -> {
          assertThat(r.outOfOrder).isEmpty();
          assertThat(r.fences).allMatch(Fence::isSignaled);
          r.tl.close();
        });
  }

  // -------------------------------------------------------------------------------------------
  // Points signaled directly by their holders

  /** A point its holder signaled directly is not pending any more. */
  @Test
  void pendingPoints_pointSignaledDirectly_isNotListed() {
    Fence kept = timeline.createFence(2);
    Fence cancelled = timeline.createFence(3);
    Fence done = timeline.createFence(4);

    cancelled.signal(FenceError.ECANCELED);
    done.signal();

    assertThat(timeline.pendingPoints()).containsExactly(kept);
  }

  /**
   * createFence for the value of a point signaled directly returns a new point, pending until the
   * value reaches it: the direct signal did not move the timeline.
   */
  @Test
  void createFence_valueOfPointSignaledDirectly_returnsNewPendingPoint() {
    Fence cancelled = timeline.createFence(5);
    cancelled.signal(FenceError.ECANCELED);

    Fence again = timeline.createFence(5);

    assertThat(again).isNotSameAs(cancelled);
    assertThat(again.isSignaled()).isFalse();
    assertThat(again.seqno()).isEqualTo(5L);
    assertThat(timeline.pendingPoints()).containsExactly(again);
    assertThat(timeline.createFence(5)).isSameAs(again);
  }

  /** The new point signals when the value reaches it, without the old point's error. */
  @Test
  void increment_reachesReplacedPoint_signalsNewPointOnly() {
    Fence cancelled = timeline.createFence(5);
    cancelled.signal(FenceError.ECANCELED);
    Fence again = timeline.createFence(5);

    timeline.increment(5);

    assertThat(again.status()).isOne();
    assertThat(cancelled.status()).isEqualTo(FenceError.ECANCELED.code());
    assertThat(timeline.pendingPoints()).isEmpty();
  }

  /** A direct signal leaves the timeline's value alone. */
  @Test
  void signal_pointDirectly_leavesValueAlone() {
    Fence point = timeline.createFence(3);

    point.signal();

    assertThat(timeline.value()).isZero();
    assertThat(timeline.createFence(1).isSignaled()).isFalse();
  }

  /** close() leaves a point signaled directly with its own status, not ENOENT. */
  @Test
  void close_pointSignaledDirectly_keepsItsOwnStatus() {
    Fence cancelled = timeline.createFence(3);
    cancelled.signal(FenceError.ECANCELED);

    timeline.close();

    assertThat(cancelled.status()).isEqualTo(FenceError.ECANCELED.code());
  }

  /** Points signaled directly do not pile up inside the timeline, however many there are. */
  @Test
  void createFence_manyPointsSignaledDirectly_timelineHoldsBoundedNumber() {
    for (long value = 1; value <= 100_000; value++) {
      timeline.createFence(value).signal();
    }

    assertThat(timeline.trackedPointCount()).isLessThanOrEqualTo(32);
  }

  // -------------------------------------------------------------------------------------------
  // close

  /** close() signals every pending point with ENOENT. */
  @Test
  void close_pendingPoints_signalsThemWithEnoent() {
    Fence a = timeline.createFence(1);
    Fence b = timeline.createFence(8);

    timeline.close();

    assertThat(a.error()).contains(FenceError.ENOENT);
    assertThat(b.status()).isEqualTo(FenceError.ENOENT.code());
  }

  /** close() leaves points that had already signaled as they were. */
  @Test
  void close_signaledPoint_keepsItsStatus() {
    Fence done = timeline.createFence(1);
    timeline.increment(1);

    timeline.close();

    assertThat(done.status()).isOne();
  }

  /** createFence after close() is an IllegalStateException. */
  @Test
  void createFence_afterClose_throwsIllegalState() {
    timeline.close();

    assertThatIllegalStateException().isThrownBy(() -> timeline.createFence(1));
  }

  /** increment after close() is an IllegalStateException and leaves the value alone. */
  @Test
  void increment_afterClose_throwsIllegalState() {
    timeline.increment(2);
    timeline.close();

    assertThatIllegalStateException().isThrownBy(() -> timeline.increment(1));
    assertThat(timeline.value()).isEqualTo(2L);
  }

  /** A second close() does nothing. */
  @Test
  void close_secondCall_doesNothing() {
    Fence point = timeline.createFence(1);
    timeline.close();
    long stamp = point.timestampNanos();

    timeline.close();

    assertThat(point.timestampNanos()).isEqualTo(stamp);
    assertThat(point.error()).contains(FenceError.ENOENT);
  }

  // -------------------------------------------------------------------------------------------
  // Bad input

  /** increment(-1) is an IllegalArgumentException and leaves the timeline usable. */
  @Test
  void increment_negative_throwsIllegalArgumentAndTimelineStaysUsable() {
    Fence point = timeline.createFence(1);

    assertThatIllegalArgumentException().isThrownBy(() -> timeline.increment(-1));

    assertThat(timeline.value()).isZero();
    timeline.increment(1);
    assertThat(point.isSignaled()).isTrue();
  }

  /** createFence(-1) is an IllegalArgumentException. */
  @Test
  void createFence_negative_throwsIllegalArgument() {
    assertThatIllegalArgumentException().isThrownBy(() -> timeline.createFence(-1));
  }

  /** An increment that lands exactly on Long.MAX_VALUE is allowed. */
  @Test
  void increment_toExactlyLongMax_isAllowed() {
    timeline.increment(Long.MAX_VALUE - 1);

    timeline.increment(1);

    assertThat(timeline.value()).isEqualTo(Long.MAX_VALUE);
  }

  /** An increment that would overflow the value is an IllegalArgumentException. */
  @Test
  void increment_overflow_throwsIllegalArgumentAndKeepsValue() {
    timeline.increment(Long.MAX_VALUE - 1);

    assertThatIllegalArgumentException().isThrownBy(() -> timeline.increment(2));
    assertThat(timeline.value()).isEqualTo(Long.MAX_VALUE - 1);
  }

  // -------------------------------------------------------------------------------------------
  // Deadlines

  /** deadlineOf is empty for a point on which no deadline was set. */
  @Test
  void deadlineOf_noDeadlineSet_isEmpty() {
    assertThat(timeline.deadlineOf(timeline.createFence(1))).isEmpty();
  }

  /** deadlineOf keeps the earliest of several deadlines. */
  @Test
  void deadlineOf_severalDeadlines_keepsEarliest() {
    long now = System.nanoTime();
    Fence point = timeline.createFence(1);

    point.setDeadline(now + 3_000);
    point.setDeadline(now + 1_000);
    point.setDeadline(now + 2_000);

    assertThat(timeline.deadlineOf(point)).hasValue(now + 1_000);
  }

  /** A deadline set on an already signaled point is ignored. */
  @Test
  void deadlineOf_deadlineSetAfterSignal_isEmpty() {
    Fence point = timeline.createFence(1);
    timeline.increment(1);

    point.setDeadline(System.nanoTime());

    assertThat(timeline.deadlineOf(point)).isEmpty();
  }

  /** deadlineOf a fence that is not a point of this timeline is an IllegalArgumentException. */
  @Test
  void deadlineOf_foreignFence_throwsIllegalArgument() {
    try (SoftwareTimeline other = SoftwareTimeline.create("other")) {
      Fence foreign = other.createFence(1);

      assertThatIllegalArgumentException().isThrownBy(() -> timeline.deadlineOf(foreign));
      assertThatIllegalArgumentException()
          .isThrownBy(() -> timeline.deadlineOf(FenceContext.create("d", "t").next()));
    }
  }

  /** A deadline is a hint only: it does not signal the point. */
  @Test
  void setDeadline_pastDeadline_doesNotSignal() {
    Fence point = timeline.createFence(1);
    AtomicInteger runs = new AtomicInteger();
    point.addCallback(f -> runs.incrementAndGet());

    point.setDeadline(System.nanoTime() - 1_000_000);

    assertThat(point.isSignaled()).isFalse();
    assertThat(runs).hasValue(0);
  }
}
