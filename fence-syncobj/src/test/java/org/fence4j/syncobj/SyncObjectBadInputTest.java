package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Bad input fails at the call with a clear exception (NullPointerException naming the parameter,
 * IllegalArgumentException for malformed values, IllegalStateException for missing points) and
 * leaves the object unchanged and usable.
 */
class SyncObjectBadInputTest {
  private final SyncObject obj = SyncObject.create();
  private final Fence pending = new TestFence();

  /** Puts the object in a known state: points 1..3, point 3 pending. */
  private void timeline() {
    obj.signal(1);
    obj.signal(2);
    obj.addPoint(3, pending);
  }

  private void assertUnchanged() {
    assertThat(obj.lastSubmittedPoint()).isEqualTo(3);
    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
    assertThat(obj.fence()).hasValueSatisfying(f -> assertThat(f.seqno()).isEqualTo(3));
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
    obj.addPoint(4, Fence.stub()); // still usable
    assertThat(obj.lastSubmittedPoint()).isEqualTo(4);
  }

  private static void assertNpe(ThrowingCallable call, String name) {
    assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessageContaining(name);
  }

  @Test
  void nullArguments_throwNpeNamingParameter() {
    timeline();
    List<SyncPoint> points = List.of(obj.at(1));

    assertNpe(() -> obj.replace(null), "f");
    assertNpe(() -> obj.addPoint(5, null), "f");
    assertNpe(() -> obj.transfer(5, null, 1), "src");
    assertNpe(() -> obj.importSyncFile(null, 5), "file");
    assertNpe(() -> obj.awaitSubmitted(1, null), "timeout");
    assertNpe(() -> obj.awaitSubmitted(1, 1, null), "unit");
    assertNpe(() -> SyncObject.waitAny(null, Duration.ZERO), "points");
    assertNpe(() -> SyncObject.waitAll(null, Duration.ZERO), "points");
    assertNpe(() -> SyncObject.waitAny(points, null), "timeout");
    assertNpe(() -> SyncObject.waitAll(points, 1, null), "unit");
    assertNpe(() -> SyncObject.waitAll(points, Duration.ZERO, (WaitFlag[]) null), "flags");
    assertNpe(
        () -> SyncObject.waitAny(points, Duration.ZERO, WaitFlag.FOR_SUBMIT, null), "flags[1]");
    assertNpe(() -> SyncObject.waitAll(Arrays.asList(obj.at(1), null), Duration.ZERO), "points[1]");
    assertNpe(() -> new SyncPoint(null, 1), "syncObject");
    assertUnchanged();
  }

  @Test
  void negativeTimeouts_throwIllegalArgument() {
    timeline();
    List<SyncPoint> points = List.of(obj.at(1));
    Duration negative = Duration.ofNanos(-1);

    assertThatThrownBy(() -> SyncObject.waitAny(points, negative))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyncObject.waitAll(points, negative))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyncObject.waitAny(points, -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyncObject.waitAll(points, -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.awaitSubmitted(1, negative))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.awaitSubmitted(1, -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertUnchanged();
  }

  @Test
  void emptyPointList_throwsIllegalArgument() {
    timeline();

    assertThatThrownBy(() -> SyncObject.waitAny(new ArrayList<>(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyncObject.waitAll(List.of(), Duration.ZERO, WaitFlag.FOR_SUBMIT))
        .isInstanceOf(IllegalArgumentException.class);
    assertUnchanged();
  }

  @Test
  void negativePoints_throwIllegalArgument() {
    timeline();

    for (ThrowingCallable call :
        List.<ThrowingCallable>of(
            () -> obj.find(-1),
            () -> obj.at(-1),
            () -> new SyncPoint(obj, -1),
            () -> obj.addPoint(-1, new TestFence()),
            () -> obj.signal(-1),
            () -> obj.awaitSubmitted(-1, Duration.ZERO),
            () -> obj.whenSubmitted(-1),
            () -> obj.exportSyncFile(-1),
            () -> obj.transfer(-1, SyncObject.createSignaled(), 0),
            () -> obj.transfer(5, SyncObject.createSignaled(), -1))) {
      assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    }
    assertUnchanged();
  }

  @Test
  void addPoint_zero_throwsIllegalArgument() {
    timeline();

    assertThatThrownBy(() -> obj.addPoint(0, new TestFence()))
        .isInstanceOf(IllegalArgumentException.class);
    assertUnchanged();
  }

  @Test
  void addPoint_unorderedPoint_throwsIllegalArgumentNamingLastPoint() {
    timeline();

    assertThatThrownBy(() -> obj.addPoint(3, new TestFence()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unordered point 3")
        .hasMessageContaining("3");
    assertThatThrownBy(() -> obj.addPoint(2, new TestFence()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.signal(3)).isInstanceOf(IllegalArgumentException.class);
    assertUnchanged();
  }

  @Test
  void addPoint_chainFence_throwsIllegalArgument() {
    timeline();
    FenceChain chain = FenceChain.create(null, new TestFence(), 1);

    assertThatThrownBy(() -> obj.addPoint(5, chain))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chain");
    assertUnchanged();
  }

  @Test
  void waitWithoutForSubmit_unsubmittedPoint_throwsBeforeRegisteringAnything() {
    timeline();
    SyncObject other = SyncObject.create();
    List<SyncPoint> points = List.of(other.at(1), obj.at(9));

    assertThatThrownBy(() -> SyncObject.waitAll(points, Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("points[0]")
        .hasMessageContaining("point 1");
    assertThatThrownBy(
            () -> SyncObject.waitAny(List.of(obj.at(9)), Duration.ZERO, WaitFlag.AVAILABLE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("point 9");
    assertThat(other.describe()).doesNotContain("waitingForSubmit");
    assertUnchanged();
  }
}
