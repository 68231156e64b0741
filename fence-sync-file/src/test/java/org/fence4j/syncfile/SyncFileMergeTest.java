package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/** {@link SyncFile#merge(String, SyncFile)}. */
class SyncFileMergeTest {

  /** Of two pending fences of one context, the merged file keeps only the later. */
  @Test
  void merge_sameContext_keepsTheLaterFence() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("later")) {
      Fence early = timeline.createFence(1);
      Fence late = timeline.createFence(4);

      SyncFile merged = SyncFile.create(late).merge("m", SyncFile.create(early));

      assertThat(merged.fence()).isSameAs(late);
    }
  }

  /** The leaves of a merge of different contexts come in ascending context order. */
  @Test
  void merge_differentContexts_listsLeavesByAscendingContext() {
    try (SoftwareTimeline first = SoftwareTimeline.create("first");
        SoftwareTimeline second = SoftwareTimeline.create("second")) {
      SyncFile merged =
          SyncFile.create(second.createFence(1)).merge("m", SyncFile.create(first.createFence(1)));

      assertThat(merged.info().fences())
          .extracting(SyncFenceInfo::timelineName)
          .containsExactly("first", "second");
    }
  }

  /** Both inputs stay open and keep their own fences after a merge. */
  @Test
  void merge_leavesBothInputsOpenAndUnchanged() {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    SyncFile fa = SyncFile.create(a, "a");
    SyncFile fb = SyncFile.create(b, "b");

    fa.merge("ab", fb);

    assertThat(fa.fence()).isSameAs(a);
    assertThat(fb.fence()).isSameAs(b);
    assertThat(fa.info().fences()).hasSize(1);
    assertThat(fb.info().fences()).hasSize(1);
  }

  /** Closing both inputs does not affect the merged file. */
  @Test
  void merge_inputsClosedAfterwards_mergedFileStillSignals() throws InterruptedException {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    SyncFile fa = SyncFile.create(a);
    SyncFile fb = SyncFile.create(b);
    SyncFile merged = fa.merge("ab", fb);

    fa.close();
    fb.close();
    a.signal();
    b.signal();

    assertThat(merged.await(Duration.ZERO)).isTrue();
  }

  /** Merging files whose fences have all signaled gives an already signaled file. */
  @Test
  void merge_allSignaled_givesSignaledFile() throws InterruptedException {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    a.signal();
    b.signal();

    SyncFile merged = SyncFile.create(a).merge("done", SyncFile.create(b));

    assertThat(merged.await(Duration.ZERO)).isTrue();
    assertThat(merged.info().status()).isEqualTo(1);
  }

  /** An error on one input shows as the merged file's status. */
  @Test
  void merge_oneInputFails_mergedStatusIsTheError() {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    Fence b = new TestFence(TestSupport.freshContext(), 1);
    SyncFile merged = SyncFile.create(a).merge("m", SyncFile.create(b));

    a.signal(FenceError.EIO);
    b.signal();

    assertThat(merged.info().status()).isEqualTo(FenceError.EIO.code());
  }

  /** Merging with a closed file fails and leaves this file open. */
  @Test
  void merge_withClosedOther_throwsIllegalStateAndLeavesThisOpen() {
    Fence a = new TestFence(TestSupport.freshContext(), 1);
    SyncFile open = SyncFile.create(a);
    SyncFile closed = SyncFile.create(new TestFence(TestSupport.freshContext(), 1), "gone");
    closed.close();

    assertThatThrownBy(() -> open.merge("m", closed))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("gone");
    assertThat(open.fence()).isSameAs(a);
  }

  /** Merging from a closed file fails. */
  @Test
  void merge_onClosedFile_throwsIllegalState() {
    SyncFile closed = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    SyncFile open = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    closed.close();

    assertThatThrownBy(() -> closed.merge("m", open)).isInstanceOf(IllegalStateException.class);
  }

  /** A closed file merged with itself fails like any closed file. */
  @Test
  void merge_closedFileWithItself_throwsIllegalState() {
    SyncFile closed = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));
    closed.close();

    assertThatThrownBy(() -> closed.merge("m", closed)).isInstanceOf(IllegalStateException.class);
  }

  /** A null name or file fails with an exception naming the parameter. */
  @Test
  void merge_nullArguments_throwNullPointerNamingTheParameter() {
    SyncFile file = SyncFile.create(new TestFence(TestSupport.freshContext(), 1));

    assertThatThrownBy(() -> file.merge(null, file))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> file.merge("m", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("other");
  }
}
