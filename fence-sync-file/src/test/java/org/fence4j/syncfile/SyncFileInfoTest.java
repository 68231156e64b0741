package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** {@link SyncFile#info()}. */
class SyncFileInfoTest {

  /** A pending fence reports status 0 and timestamp 0, with its driver and timeline names. */
  @Test
  void info_pendingFence_reportsZeroStatusAndTimestamp() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1, "drv", "tl"), "f");

    SyncFileInfo info = file.info();

    assertThat(info.name()).isEqualTo("f");
    assertThat(info.status()).isZero();
    assertThat(info.fences()).containsExactly(new SyncFenceInfo("tl", "drv", 0, 0));
  }

  /** A fence signaled without error reports status 1 and its signal timestamp. */
  @Test
  void info_signaledFence_reportsStatusOneAndTimestamp() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1, "drv", "tl");
    SyncFile file = SyncFile.create(fence);
    fence.signal(123_456L);

    SyncFileInfo info = file.info();

    assertThat(info.status()).isEqualTo(1);
    assertThat(info.fences()).containsExactly(new SyncFenceInfo("tl", "drv", 1, 123_456L));
  }

  /** A fence signaled with an error reports the error's negative code, for file and leaf. */
  @Test
  void info_fenceSignaledWithError_reportsNegativeCode() {
    Fence fence = new TestFence(TestSupport.freshContext(), 1);
    SyncFile file = SyncFile.create(fence);
    fence.signal(FenceError.ETIME);

    SyncFileInfo info = file.info();

    assertThat(info.status()).isEqualTo(-62);
    assertThat(info.fences()).singleElement().extracting(SyncFenceInfo::status).isEqualTo(-62);
  }

  /** Points left pending by a closed timeline report ENOENT. */
  @Test
  void info_pointOfClosedTimeline_reportsEnoent() {
    SoftwareTimeline timeline = SoftwareTimeline.create("closing");
    SyncFile file = SyncFile.create(timeline.createFence(1));

    timeline.close();

    assertThat(file.info().status()).isEqualTo(FenceError.ENOENT.code());
  }

  /** The file's status is its fence's status, also when that is an array. */
  @Test
  void info_mergedFile_statusIsStatusOfMergedFence() {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    SyncFile merged = SyncFile.create(a).merge("m", SyncFile.create(b));
    a.signal();

    SyncFileInfo info = merged.info();

    assertThat(info.status()).isEqualTo(merged.fence().status()).isZero();
    assertThat(info.fences()).extracting(SyncFenceInfo::status).containsExactly(1, 0);
  }

  /** The leaves of info() are those of Fences.unwrap, with their names. */
  @Test
  void info_mergedFile_listsUnwrappedLeavesWithNames() {
    Fence a = new TestFence(TestSupport.freshContext(), 1, "da", "ta");
    Fence b = new TestFence(TestSupport.freshContext(), 1, "db", "tb");

    SyncFileInfo info = SyncFile.create(a).merge("m", SyncFile.create(b)).info();

    assertThat(info.fences())
        .containsExactly(new SyncFenceInfo("ta", "da", 0, 0), new SyncFenceInfo("tb", "db", 0, 0));
  }

  /** The snapshot's list cannot be modified. */
  @Test
  void info_fences_isUnmodifiable() {
    SyncFileInfo info = SyncFile.create(new TestFence(TestSupport.freshContext(), 1)).info();

    assertThatThrownBy(() -> info.fences().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  /** info() does not enable signaling on the fence. */
  @Test
  void info_pendingFence_doesNotEnableSignaling() {
    EnableCountingFence fence = new EnableCountingFence(TestSupport.freshContext());
    SyncFile file = SyncFile.create(fence);

    file.info();

    assertThat(fence.enabled).hasValue(0);
  }

  /** A fence that counts how often its enable-signaling hook ran. */
  static final class EnableCountingFence extends TestFence {
    final AtomicInteger enabled = new AtomicInteger();

    EnableCountingFence(long context) {
      super(context, 1, "counting", "counting");
    }

    @Override
    protected boolean onEnableSignaling() {
      enabled.incrementAndGet();
      return true;
    }
  }
}
