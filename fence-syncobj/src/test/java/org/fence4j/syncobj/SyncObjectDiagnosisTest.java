package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fence4j.syncobj.TestSupport.LONG;
import static org.fence4j.syncobj.TestSupport.awaitBlocked;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.fence4j.StrictMode;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.PendingFence;
import org.fence4j.debug.SignalingSection;
import org.fence4j.syncobj.TestSupport.Spawned;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sync-object waits are visible to diagnosis: fence tracking shows a thread blocked in a wait for
 * submission on a pending fence whose description names the points it waits to see submitted, and a
 * blocking wait on a signaling path is reported.
 */
class SyncObjectDiagnosisTest {

  @AfterEach
  void trackingOff() {
    FenceTracking.disable();
    StrictMode.setViolationHandler(null);
  }

  /** A blocking syncobj wait started on a signaling path is reported, then proceeds. */
  @Test
  void waitAll_insideSignalingSection_reportedAsViolation() throws Exception {
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    StrictMode.setViolationHandler(violations::add);
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new TestFence());

    boolean done;
    try (SignalingSection section = SignalingSection.begin()) {
      done = SyncObject.waitAll(List.of(obj.at(1)), Duration.ofMillis(1));
    }

    assertThat(done).isFalse();
    assertThat(violations).isNotEmpty().allMatch(m -> m.contains("signaling path"));
  }

  /** A poll (zero timeout) on a signaling path is not a blocking wait: nothing is reported. */
  @Test
  void waitAllPoll_insideSignalingSection_notReported() throws Exception {
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    StrictMode.setViolationHandler(violations::add);
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new TestFence());

    try (SignalingSection section = SignalingSection.begin()) {
      assertThat(SyncObject.waitAll(List.of(obj.at(1)), Duration.ZERO, WaitFlag.FOR_SUBMIT))
          .isFalse();
      assertThat(SyncObject.waitAll(List.of(obj.at(2)), Duration.ZERO, WaitFlag.FOR_SUBMIT))
          .isFalse();
    }

    assertThat(violations).isEmpty();
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
