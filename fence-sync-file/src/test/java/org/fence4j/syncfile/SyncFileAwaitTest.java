package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * {@link SyncFile#await(Duration)}, {@link SyncFile#setDeadline(long)} and {@link
 * SyncFile#fence()}.
 */
class SyncFileAwaitTest {

  /** A zero timeout polls a pending fence and returns false. */
  @Test
  void await_zeroTimeoutOnPendingFence_returnsFalse() throws InterruptedException {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));

    assertThat(file.await(Duration.ZERO)).isFalse();
  }

  /** A short timeout on a fence that never signals returns false. */
  @Test
  void await_timeoutElapses_returnsFalse() throws InterruptedException {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));

    assertThat(file.await(Duration.ofMillis(20))).isFalse();
  }

  /** A signaled fence, even with an error, makes await return true. */
  @Test
  void await_fenceSignaledWithError_returnsTrue() throws InterruptedException {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    fence.signal(FenceError.EIO);

    assertThat(file.await(Duration.ZERO)).isTrue();
  }

  /** A negative timeout is rejected and leaves the file usable. */
  @Test
  void await_negativeTimeout_throwsIllegalArgument() throws InterruptedException {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));

    assertThatThrownBy(() -> file.await(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(file.await(Duration.ZERO)).isFalse();
  }

  /** A null timeout fails with an exception naming the parameter. */
  @Test
  void await_nullTimeout_throwsNullPointerNamingTimeout() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));

    assertThatThrownBy(() -> file.await(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("timeout");
  }

  /** An interrupted thread does not wait. */
  @Test
  void await_interruptedThread_throwsInterrupted() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> file.await(TestSupport.LONG_WAIT))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted();
    }
  }

  /** A deadline set on the file reaches the fence. */
  @Test
  void setDeadline_onTimelinePoint_reachesTheTimeline() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("deadline")) {
      Fence point = timeline.createFence(1);
      SyncFile file = SyncFile.create(point);
      long deadline = System.nanoTime() + 1_000_000;

      file.setDeadline(deadline);

      assertThat(timeline.deadlineOf(point)).hasValue(deadline);
    }
  }

  /** A deadline set on a merged file reaches every pending leaf. */
  @Test
  void setDeadline_onMergedFile_reachesEveryLeaf() {
    try (SoftwareTimeline a = SoftwareTimeline.create("a");
        SoftwareTimeline b = SoftwareTimeline.create("b")) {
      Fence pa = a.createFence(1);
      Fence pb = b.createFence(1);
      SyncFile merged = SyncFile.create(pa).merge("m", SyncFile.create(pb));
      long deadline = System.nanoTime() + 1_000_000;

      merged.setDeadline(deadline);

      assertThat(a.deadlineOf(pa)).hasValue(deadline);
      assertThat(b.deadlineOf(pb)).hasValue(deadline);
    }
  }

  /** fence() returns the wrapped fence itself. */
  @Test
  void fence_openFile_returnsWrappedFence() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);

    assertThat(SyncFile.create(fence, "f").fence()).isSameAs(fence);
  }

  /** create() rejects a null fence with an exception naming the parameter. */
  @Test
  void create_nullFence_throwsNullPointerNamingF() {
    assertThatThrownBy(() -> SyncFile.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("f");
    assertThatThrownBy(() -> SyncFile.create(null, "x"))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("f");
  }

  /** create() rejects a null name with an exception naming the parameter. */
  @Test
  void create_nullName_throwsNullPointerNamingName() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);

    assertThatThrownBy(() -> SyncFile.create(fence, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }
}
