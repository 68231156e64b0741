package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.syncfile.SyncFile;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** Transfer between objects and points, and sync-file export and import. */
class SyncObjectTransferTest {

  @Test
  void transfer_binaryToTimelinePoint_pointWaitsForSourceFence() {
    SyncObject src = SyncObject.create();
    SyncObject dst = SyncObject.create();
    Fence work = new TestFence();
    src.replace(work);

    dst.transfer(1, src, 0);

    assertThat(dst.lastSubmittedPoint()).isEqualTo(1);
    assertThat(dst.lastSignaledPoint()).isZero();
    work.signal();
    assertThat(dst.lastSignaledPoint()).isEqualTo(1);
  }

  @Test
  void transfer_timelinePointToBinary_replacesWithPointFence() {
    SyncObject src = SyncObject.create();
    SyncObject dst = SyncObject.create();
    src.addPoint(3, new TestFence());
    dst.signal(7);

    dst.transfer(0, src, 3);

    assertThat(dst.fence()).isEqualTo(src.find(3));
    assertThat(dst.lastSubmittedPoint()).isZero();
  }

  @Test
  void transfer_timelineToTimeline_addsFlattenedLeavesOfSourcePoint() {
    SyncObject src = SyncObject.create();
    SyncObject dst = SyncObject.create();
    Fence first = new TestFence();
    Fence second = new TestFence();
    src.addPoint(1, first);
    src.addPoint(2, second);

    dst.transfer(10, src, 2);

    Fence point = dst.find(10).orElseThrow();
    assertThat(((FenceChain) point).fence()).isNotInstanceOf(FenceChain.class);
    second.signal();
    assertThat(point.isSignaled()).isFalse();
    first.signal();
    assertThat(point.isSignaled()).isTrue();
  }

  /** The kernel's transfer-timeline-point: point 2 of an object transferred to its point 3. */
  @Test
  void transfer_toLaterPointOfSameObject_counterAdvances() {
    SyncObject obj = SyncObject.create();
    try (SoftwareTimeline timeline = SoftwareTimeline.create("syncobj-transfer")) {
      SyncObject tmp = SyncObject.create();
      tmp.replace(timeline.createFence(1));
      obj.transfer(1, tmp, 0);
      assertThat(obj.lastSignaledPoint()).isZero();
      timeline.increment(1);
      assertThat(obj.lastSignaledPoint()).isEqualTo(1);
      obj.signal(2);

      obj.transfer(3, obj, 2);

      assertThat(obj.lastSignaledPoint()).isEqualTo(3);
    }
  }

  @Test
  void transfer_signaledFailedSourcePoint_keepsError() {
    SyncObject src = SyncObject.create();
    SyncObject dst = SyncObject.create();
    Fence work = new TestFence();
    src.addPoint(1, work);
    work.signal(FenceError.EIO);

    dst.transfer(1, src, 1);

    assertThat(dst.find(1)).hasValueSatisfying(f -> assertThat(f.error()).isPresent());
  }

  @Test
  void transfer_missingSourcePoint_throwsIllegalStateAndLeavesObjectUnchanged() {
    SyncObject src = SyncObject.create();
    src.signal(2);
    SyncObject dst = SyncObject.create();
    dst.signal(5);
    Fence before = dst.fence().orElseThrow();

    assertThatThrownBy(() -> dst.transfer(6, src, 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("point 3");
    // checked before the destination point (4 is not above 5)
    assertThatThrownBy(() -> dst.transfer(4, src, 3)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> dst.transfer(1, SyncObject.create(), 0))
        .isInstanceOf(IllegalStateException.class);
    assertThat(dst.fence()).containsSame(before);
    assertThat(dst.lastSubmittedPoint()).isEqualTo(5);
  }

  @Test
  void transfer_unorderedDestinationPoint_throwsIllegalArgumentAndLeavesObjectUnchanged() {
    SyncObject src = SyncObject.createSignaled();
    SyncObject dst = SyncObject.create();
    dst.signal(5);

    assertThatThrownBy(() -> dst.transfer(5, src, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(dst.lastSubmittedPoint()).isEqualTo(5);
  }

  @Test
  void exportSyncFile_point_fileSignalsWithPoint() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(4, work);

    try (SyncFile file = obj.exportSyncFile(4)) {
      assertThat(file.await(Duration.ZERO)).isFalse();
      work.signal();
      assertThat(file.await(Duration.ZERO)).isTrue();
    }
  }

  @Test
  void exportSyncFile_isSnapshot_laterResetDoesNotChangeIt() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.replace(work);

    try (SyncFile file = obj.exportSyncFile(0)) {
      obj.reset();
      assertThat(file.fence()).isSameAs(work);
    }
  }

  @Test
  void exportSyncFile_nothingSubmitted_throwsIllegalState() {
    SyncObject obj = SyncObject.create();
    obj.signal(1);

    assertThatThrownBy(() -> obj.exportSyncFile(2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> SyncObject.create().exportSyncFile(0))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void importSyncFile_pointZero_replacesFence() {
    SyncObject obj = SyncObject.create();
    obj.signal(3);
    Fence work = new TestFence();

    try (SyncFile file = SyncFile.create(work)) {
      obj.importSyncFile(file, 0);
    }

    assertThat(obj.fence()).containsSame(work);
    assertThat(obj.lastSubmittedPoint()).isZero();
  }

  @Test
  void importSyncFile_timelinePoint_addsFlattenedFence() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence a = new TestFence();
    Fence b = new TestFence();

    try (SyncFile merged = SyncFile.create(a).merge("ab", SyncFile.create(b))) {
      obj.importSyncFile(merged, 2);
    }

    assertThat(obj.lastSubmittedPoint()).isEqualTo(2);
    a.signal();
    assertThat(SyncObject.waitAll(List.of(obj.at(2)), Duration.ZERO)).isFalse();
    b.signal();
    assertThat(SyncObject.waitAll(List.of(obj.at(2)), Duration.ZERO)).isTrue();
  }

  @Test
  void importSyncFile_exportedFromAnotherObject_roundTrips() {
    SyncObject producer = SyncObject.create();
    SyncObject consumer = SyncObject.create();
    Fence work = new TestFence();
    producer.addPoint(1, work);

    try (SyncFile file = producer.exportSyncFile(1)) {
      consumer.importSyncFile(file, 1);
    }
    work.signal();

    assertThat(consumer.lastSignaledPoint()).isEqualTo(1);
  }

  @Test
  void importSyncFile_closedFile_throwsIllegalStateAndLeavesObjectUnchanged() {
    SyncObject obj = SyncObject.createSignaled();
    Fence before = obj.fence().orElseThrow();
    SyncFile file = SyncFile.create(new TestFence());
    file.close();

    assertThatThrownBy(() -> obj.importSyncFile(file, 0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> obj.importSyncFile(file, 1)).isInstanceOf(IllegalStateException.class);
    assertThat(obj.fence()).containsSame(before);
  }

  @Test
  void importSyncFile_unorderedPoint_throwsIllegalArgumentAndLeavesObjectUnchanged() {
    SyncObject obj = SyncObject.create();
    obj.signal(4);

    try (SyncFile file = SyncFile.create(new TestFence())) {
      assertThatThrownBy(() -> obj.importSyncFile(file, 4))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(obj.lastSubmittedPoint()).isEqualTo(4);
  }
}
