package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernel's wait matrices (syncobj_wait and syncobj_timeline single-wait and multi-wait): every
 * combination of {FOR_SUBMIT, ALL (waitAll), AVAILABLE} with points that are unsubmitted, submitted
 * (pending) or signaled, on binary (point 0) and timeline points, each checked with a poll, a short
 * timeout and, when it must succeed, a long one.
 */
class SyncObjectWaitMatrixTest {

  enum Stage {
    UNSUBMITTED,
    SUBMITTED,
    SIGNALED
  }

  /** Every subset of the flags, both wait kinds, and each stage (single) or stage set (multi). */
  static Stream<Arguments> single() {
    List<Arguments> cases = new ArrayList<>();
    for (Set<WaitFlag> flags : flagSets()) {
      for (boolean all : new boolean[] {false, true}) {
        for (Stage stage : Stage.values()) {
          for (long point : new long[] {0, 1}) {
            cases.add(Arguments.of(flags, all, stage, point));
          }
        }
      }
    }
    return cases.stream();
  }

  static Stream<Arguments> multi() {
    List<Arguments> cases = new ArrayList<>();
    for (Set<WaitFlag> flags : flagSets()) {
      for (boolean all : new boolean[] {false, true}) {
        for (int mask = 1; mask < 8; mask++) {
          EnumSet<Stage> stages = EnumSet.noneOf(Stage.class);
          for (Stage s : Stage.values()) {
            if ((mask & (1 << s.ordinal())) != 0) {
              stages.add(s);
            }
          }
          cases.add(Arguments.of(flags, all, stages));
        }
      }
    }
    return cases.stream();
  }

  private static List<Set<WaitFlag>> flagSets() {
    return List.of(
        EnumSet.noneOf(WaitFlag.class),
        EnumSet.of(WaitFlag.FOR_SUBMIT),
        EnumSet.of(WaitFlag.AVAILABLE),
        EnumSet.of(WaitFlag.FOR_SUBMIT, WaitFlag.AVAILABLE));
  }

  @ParameterizedTest(name = "flags={0} all={1} stage={2} point={3}")
  @MethodSource("single")
  void wait_singlePoint_matchesKernelMatrix(
      Set<WaitFlag> flags, boolean all, Stage stage, long point) throws Exception {
    SyncObject obj = SyncObject.create();
    prepare(obj, point, stage);
    List<SyncPoint> points = List.of(obj.at(point));

    check(points, flags, all, List.of(stage));
  }

  /**
   * Five objects, points {random, 0, random, random, 0} as in the kernel's multi-wait; the stages
   * of the set are spread over them, the lowest stage first, the last one repeated.
   */
  @ParameterizedTest(name = "flags={0} all={1} stages={2}")
  @MethodSource("multi")
  void wait_multiplePoints_matchesKernelMatrix(
      Set<WaitFlag> flags, boolean all, EnumSet<Stage> stages) throws Exception {
    long[] pointNumbers = {17, 0, 1_000, 3, 0};
    List<Stage> remaining = new ArrayList<>(stages);
    List<Stage> perObject = new ArrayList<>();
    List<SyncPoint> points = new ArrayList<>();
    for (long p : pointNumbers) {
      Stage stage = remaining.size() > 1 ? remaining.remove(0) : remaining.get(0);
      SyncObject obj = SyncObject.create();
      prepare(obj, p, stage);
      perObject.add(stage);
      points.add(obj.at(p));
    }

    check(points, flags, all, perObject);
  }

  private static void prepare(SyncObject obj, long point, Stage stage) {
    if (stage == Stage.UNSUBMITTED) {
      return;
    }
    Fence f = new TestFence();
    if (point == 0) {
      obj.replace(f);
    } else {
      obj.addPoint(point, f);
    }
    if (stage == Stage.SIGNALED) {
      f.signal();
    }
  }

  private static void check(
      List<SyncPoint> points, Set<WaitFlag> flagSet, boolean all, List<Stage> stages)
      throws Exception {
    WaitFlag[] flags = flagSet.toArray(new WaitFlag[0]);
    boolean forSubmit = flagSet.contains(WaitFlag.FOR_SUBMIT);
    boolean available = flagSet.contains(WaitFlag.AVAILABLE);
    if (!forSubmit && stages.contains(Stage.UNSUBMITTED)) {
      int index = stages.indexOf(Stage.UNSUBMITTED);
      for (Duration timeout : List.of(Duration.ZERO, TestSupport.SHORT)) {
        assertThatThrownBy(() -> waitFor(points, timeout, flags, all))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("points[" + index + "]")
            .hasMessageContaining("point " + points.get(index).point());
      }
      return;
    }
    int expected = all ? 0 : -1;
    for (int i = 0; i < stages.size(); i++) {
      Stage s = stages.get(i);
      boolean done = s == Stage.SIGNALED || (available && s == Stage.SUBMITTED);
      if (all && !done) {
        expected = -1;
        break;
      }
      if (!all && done) {
        expected = i;
        break;
      }
    }
    assertThat(waitFor(points, Duration.ZERO, flags, all)).isEqualTo(expected);
    assertThat(waitFor(points, TestSupport.SHORT, flags, all)).isEqualTo(expected);
    if (expected >= 0) {
      assertThat(waitFor(points, TestSupport.LONG, flags, all)).isEqualTo(expected);
    }
  }

  /** waitAny, or waitAll mapped to 0 / -1; alternates the two timeout forms. */
  private static int waitFor(
      List<SyncPoint> points, Duration timeout, WaitFlag[] flags, boolean all)
      throws InterruptedException {
    boolean timeUnitForm = timeout.equals(TestSupport.SHORT);
    if (all) {
      boolean ok =
          timeUnitForm
              ? SyncObject.waitAll(points, timeout.toNanos(), TimeUnit.NANOSECONDS, flags)
              : SyncObject.waitAll(points, timeout, flags);
      return ok ? 0 : -1;
    }
    return timeUnitForm
        ? SyncObject.waitAny(points, timeout.toNanos(), TimeUnit.NANOSECONDS, flags)
        : SyncObject.waitAny(points, timeout, flags);
  }
}
