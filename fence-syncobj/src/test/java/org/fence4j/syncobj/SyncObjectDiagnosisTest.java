package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fence4j.syncobj.TestSupport.LONG;
import static org.fence4j.syncobj.TestSupport.awaitBlocked;

import java.util.List;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.PendingFence;
import org.fence4j.syncobj.TestSupport.Spawned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A wait for submission is visible to diagnosis: fence tracking shows the blocked thread on a
 * pending fence whose description names the syncobj points it waits to see submitted.
 */
class SyncObjectDiagnosisTest {

  @AfterEach
  void trackingOff() {
    FenceTracking.disable();
  }

  @Test
  void waitForSubmit_blocked_trackingNamesThreadAndPoint() throws Exception {
    FenceTracking.enable(false);
    SyncObject obj = SyncObject.create();
    String id = Integer.toHexString(System.identityHashCode(obj));

    try (Spawned<Boolean> waiter =
        Spawned.start(
            "submit-waiter",
            () -> SyncObject.waitAll(List.of(obj.at(7)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);

      List<PendingFence> stuck =
          FenceTracking.pending().stream()
              .filter(p -> p.waiters().contains(waiter.thread()))
              .toList();
      assertThat(stuck)
          .singleElement()
          .satisfies(
              p ->
                  assertThat(p.fence().describe())
                      .contains("wait-for-submit")
                      .contains("waiting for submission of point 7 of syncobj@" + id));
      assertThat(FenceTracking.dump()).contains("point 7 of syncobj@" + id);
      obj.signal(7);
      assertThat(waiter.join()).isTrue();
    }
  }
}
