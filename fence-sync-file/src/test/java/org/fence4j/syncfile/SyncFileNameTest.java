package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;

import org.fence4j.Fence;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** The naming rules of {@link SyncFile#name()}. */
class SyncFileNameTest {

  /**
   * Without a name, a file is named "driver-timeline" + context + "-" + seqno, as in the kernel.
   */
  @Test
  void name_withoutGivenName_isDriverDashTimelineContextDashSeqno() {
    long context = TestSupport.freshContext();
    SyncFile file = SyncFile.create(new TestFence(context, 7, "gpu", "ring"));

    assertThat(file.name()).isEqualTo("gpu-ring" + context + "-7");
  }

  /** A point of a software timeline is named after the sw_sync driver and the timeline. */
  @Test
  void name_ofSoftwareTimelinePoint_usesSwSyncDriverAndTimelineName() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("tl")) {
      SyncFile file = SyncFile.create(timeline.createFence(5));

      assertThat(file.name()).isEqualTo("sw_sync-tl" + timeline.context() + "-5");
    }
  }

  /** Seqnos above Long.MAX_VALUE / 2 are printed as the signed longs they are. */
  @Test
  void name_withNegativeSeqno_printsSignedDecimal() {
    long context = TestSupport.freshContext();
    SyncFile file = SyncFile.create(new TestFence(context, -1, "d", "t"));

    assertThat(file.name()).isEqualTo("d-t" + context + "--1");
  }

  /** A given name is used as is. */
  @Test
  void name_withGivenName_isThatName() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "frame 42");

    assertThat(file.name()).isEqualTo("frame 42");
  }

  /** An empty given name means "no name", as in the kernel: the default rule applies. */
  @Test
  void name_withEmptyGivenName_fallsBackToDefaultRule() {
    long context = TestSupport.freshContext();
    SyncFile file = SyncFile.create(new TestFence(context, 3, "d", "t"), "");

    assertThat(file.name()).isEqualTo("d-t" + context + "-3");
  }

  /** The name stays available after close. */
  @Test
  void name_afterClose_isUnchanged() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "kept");
    file.close();

    assertThat(file.name()).isEqualTo("kept");
  }

  /** A default name first asked for after close is the same as before close would have given. */
  @Test
  void name_defaultFirstAskedAfterClose_isDefaultRule() {
    long context = TestSupport.freshContext();
    SyncFile file = SyncFile.create(new TestFence(context, 9, "d", "t"));
    file.close();

    assertThat(file.name()).isEqualTo("d-t" + context + "-9");
    assertThat(file.toString()).contains("d-t" + context + "-9").contains("closed");
  }

  /** The default name asked for before and after close is one and the same. */
  @Test
  void name_defaultAskedBeforeAndAfterClose_isUnchanged() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 2));
    String before = file.name();
    file.close();

    assertThat(file.name()).isEqualTo(before);
  }

  /** The message of a closed file's exception names the file by its default name. */
  @Test
  void closedException_defaultName_namesFile() {
    long context = TestSupport.freshContext();
    SyncFile file = SyncFile.create(new TestFence(context, 4, "d", "t"));
    file.close();

    org.assertj.core.api.Assertions.assertThatThrownBy(file::fence)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("d-t" + context + "-4");
  }

  /** close() never throws, even when the fence's names do; the file is then named by identity. */
  @Test
  void close_fenceNamesThrow_closesAndNamesFileByIdentity() {
    long context = TestSupport.freshContext();
    SyncFile file =
        SyncFile.create(
            new TestFence(context, 5) {
              @Override
              public String driverName() {
                throw new IllegalStateException("no name");
              }
            });
    file.close();

    assertThat(file.name()).isEqualTo("sync_file-" + context + "-5");
  }

  /** A merged file carries the name given to merge. */
  @Test
  void name_ofMergedFile_isNameGivenToMerge() {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    SyncFile merged = SyncFile.create(a).merge("both", SyncFile.create(b));

    assertThat(merged.name()).isEqualTo("both");
  }

  /** toString shows the name and, after close, that the file is closed, without throwing. */
  @Test
  void toString_afterClose_namesFileAndSaysClosed() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "x");
    file.close();

    assertThat(file.toString()).contains("x").contains("closed");
  }
}
