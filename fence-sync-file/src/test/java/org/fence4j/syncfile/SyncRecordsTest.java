package org.fence4j.syncfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Argument checks of {@link SyncFileInfo} and {@link SyncFenceInfo}. */
class SyncRecordsTest {

  /** A pending fence cannot carry a timestamp. */
  @Test
  void syncFenceInfo_pendingWithTimestamp_throwsIllegalArgument() {
    assertThatThrownBy(() -> new SyncFenceInfo("t", "d", 0, 5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Statuses above 1 are not statuses. */
  @Test
  void syncFenceInfo_statusAboveOne_throwsIllegalArgument() {
    assertThatThrownBy(() -> new SyncFenceInfo("t", "d", 2, 5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Error codes below -4095 are not error codes. */
  @Test
  void syncFenceInfo_statusBelowErrorRange_throwsIllegalArgument() {
    assertThatThrownBy(() -> new SyncFenceInfo("t", "d", -4096, 5))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Valid components are kept as given; a signaled fence may carry any timestamp. */
  @Test
  void syncFenceInfo_validComponents_areKept() {
    SyncFenceInfo info = new SyncFenceInfo("t", "d", -4095, -7);

    assertThat(info.timelineName()).isEqualTo("t");
    assertThat(info.driverName()).isEqualTo("d");
    assertThat(info.status()).isEqualTo(-4095);
    assertThat(info.timestampNanos()).isEqualTo(-7);
  }

  /** Out-of-range file statuses are rejected. */
  @Test
  void syncFileInfo_statusOutOfRange_throwsIllegalArgument() {
    assertThatThrownBy(() -> new SyncFileInfo("f", 2, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The fence list is copied: later changes to the caller's list do not show. */
  @Test
  void syncFileInfo_sourceListChangedAfterwards_isNotAffected() {
    List<SyncFenceInfo> source = new ArrayList<>(List.of(new SyncFenceInfo("t", "d", 1, 9)));
    SyncFileInfo info = new SyncFileInfo("f", 1, source);

    source.clear();

    assertThat(info.fences()).hasSize(1);
  }

  /** A null element in the fence list is rejected. */
  @Test
  void syncFileInfo_nullElement_throwsNullPointer() {
    List<SyncFenceInfo> withNull = Arrays.asList(new SyncFenceInfo("t", "d", 1, 9), null);

    assertThatThrownBy(() -> new SyncFileInfo("f", 1, withNull))
        .isInstanceOf(NullPointerException.class);
  }

  /** Snapshots with equal components are equal. */
  @Test
  void syncFileInfo_equalComponents_areEqual() {
    SyncFileInfo a = new SyncFileInfo("f", 0, List.of(new SyncFenceInfo("t", "d", 0, 0)));
    SyncFileInfo b = new SyncFileInfo("f", 0, new ArrayList<>(a.fences()));

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
  }
}
