package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.syncobj.TestSupport.LONG;
import static org.fence4j.syncobj.TestSupport.SHORT;
import static org.fence4j.syncobj.TestSupport.awaitBlocked;
import static org.fence4j.syncobj.TestSupport.whileBlocked;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.syncobj.TestSupport.Spawned;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Blocking waits with a second thread (after the kernel's syncobj_wait and syncobj_timeline tests):
 * delayed signal and submit, the snapshot rule, reset during wait-for-submit, interrupts, and the
 * submission waits awaitSubmitted and whenSubmitted.
 */
class SyncObjectWaitTest {

  @Test
  void waitAll_delayedSignal_returnsTrue() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(1, work);

    assertThat(
            whileBlocked(() -> SyncObject.waitAll(List.of(obj.at(1)), LONG), () -> work.signal()))
        .isTrue();
  }

  @Test
  void waitAny_delayedSignalOfSecondPoint_returnsItsIndex() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    a.addPoint(1, new TestFence());
    Fence second = new TestFence();
    b.replace(second);

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAny(List.of(a.at(1), b.at(0)), LONG), () -> second.signal()))
        .isEqualTo(1);
  }

  @Test
  void waitAll_forSubmitDelayedSubmitOfSignaledPoint_returnsTrue() throws Exception {
    SyncObject obj = SyncObject.create();

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAll(List.of(obj.at(1)), LONG, WaitFlag.FOR_SUBMIT),
                () -> obj.signal(1)))
        .isTrue();
  }

  @Test
  void waitAll_forSubmitDelayedSubmitThenSignal_waitsForSignal() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();

    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter", () -> SyncObject.waitAll(List.of(obj.at(0)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);
      obj.replace(work);
      awaitBlocked(waiter);
      assertThat(waiter.thread().isAlive()).isTrue();
      work.signal();

      assertThat(waiter.join()).isTrue();
    }
  }

  @Test
  void waitAny_forSubmitAvailableDelayedSubmit_returnsOnSubmission() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();

    assertThat(
            whileBlocked(
                () ->
                    SyncObject.waitAny(
                        List.of(a.at(3), b.at(2)), LONG, WaitFlag.FOR_SUBMIT, WaitFlag.AVAILABLE),
                () -> b.addPoint(2, new TestFence())))
        .isEqualTo(1);
  }

  @Test
  void waitAny_forSubmitMixedSubmittedAndUnsubmitted_wakesOnFenceOfSubmittedPoint()
      throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    Fence work = new TestFence();
    b.addPoint(1, work);

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAny(List.of(a.at(1), b.at(1)), LONG, WaitFlag.FOR_SUBMIT),
                () -> work.signal()))
        .isEqualTo(1);
  }

  @Test
  void waitAny_forSubmitPointSubmittedLaterSignals_returnsItsIndex() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    b.addPoint(1, new TestFence());
    Fence late = new TestFence();

    try (Spawned<Integer> waiter =
        Spawned.start(
            "waiter",
            () -> SyncObject.waitAny(List.of(a.at(1), b.at(1)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);
      a.addPoint(1, late);
      awaitBlocked(waiter);
      late.signal();

      assertThat(waiter.join()).isZero();
    }
  }

  /** The kernel's wait-any-snapshot: a reset and resubmit of a waited point changes nothing. */
  @Test
  void waitAny_resetAndResubmitDuringWait_waitsOnFencesItFound() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    a.addPoint(1, new TestFence());
    Fence second = new TestFence();
    b.addPoint(1, second);

    try (Spawned<Integer> waiter =
        Spawned.start("waiter", () -> SyncObject.waitAny(List.of(a.at(1), b.at(1)), LONG))) {
      awaitBlocked(waiter);
      a.reset();
      a.signal(1); // a new, signaled point 1: the wait must not pick it up
      awaitBlocked(waiter);
      assertThat(waiter.thread().isAlive()).isTrue();
      second.signal();

      assertThat(waiter.join()).isEqualTo(1);
    }
  }

  /** The snapshot rule, the other way round: the original fence still completes the wait. */
  @Test
  void waitAny_replacedDuringWait_originalFenceCompletesWait() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence original = new TestFence();
    obj.replace(original);

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAny(List.of(obj.at(0)), LONG),
                () -> {
                  obj.replace(new TestFence());
                  original.signal();
                }))
        .isZero();
  }

  /** The kernel's wait-all-snapshot: a signaled point reset and resubmitted still counts. */
  @Test
  void waitAll_resetAndResubmitAfterSignal_countsFenceItFound() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    Fence first = new TestFence();
    Fence second = new TestFence();
    a.addPoint(1, first);
    b.addPoint(1, second);

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAll(List.of(a.at(1), b.at(1)), LONG),
                () -> {
                  first.signal();
                  a.reset();
                  a.addPoint(1, new TestFence()); // never signals
                  second.signal();
                }))
        .isTrue();
  }

  /**
   * The kernel's wait-for-submit snapshot: the first fence that appears is the one waited on; a
   * reset and a resubmit afterwards change nothing.
   */
  @Test
  void waitAny_forSubmitFirstFenceAppearedThenReset_waitsOnFirstFence() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    Fence first = new TestFence();

    try (Spawned<Integer> waiter =
        Spawned.start(
            "waiter",
            () -> SyncObject.waitAny(List.of(a.at(1), b.at(1)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);
      a.addPoint(1, first);
      a.reset();
      a.addPoint(1, new TestFence()); // never signals
      awaitBlocked(waiter);
      first.signal();

      assertThat(waiter.join()).isZero();
    }
  }

  @Test
  void waitAll_forSubmitFirstFenceAppearedThenReset_secondFenceIgnored() throws Exception {
    SyncObject a = SyncObject.create();
    Fence first = new TestFence();

    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter", () -> SyncObject.waitAll(List.of(a.at(1)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);
      a.addPoint(1, first);
      a.reset();
      a.signal(1); // a signaled replacement; the wait is on `first`
      awaitBlocked(waiter);
      assertThat(waiter.thread().isAlive()).isTrue();
      first.signal();

      assertThat(waiter.join()).isTrue();
    }
  }

  /** The kernel's reset-during-wait-for-submit: a reset is a no-op for a waiting submit. */
  @Test
  void waitAll_forSubmitResetDuringWaitThenSubmit_returnsTrue() throws Exception {
    SyncObject obj = SyncObject.create();

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAll(List.of(obj.at(1)), LONG, WaitFlag.FOR_SUBMIT),
                () -> {
                  obj.reset();
                  obj.signal(1);
                }))
        .isTrue();
  }

  @Test
  void waitAll_forSubmitTimesOut_returnsFalse() throws Exception {
    SyncObject obj = SyncObject.create();

    boolean done = SyncObject.waitAll(List.of(obj.at(1)), SHORT, WaitFlag.FOR_SUBMIT);

    assertThat(done).isFalse();
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  /** The kernel's wait-complex: eight objects moved through stages; wait-all sees all signals. */
  @Test
  void waitAll_forSubmitEightObjectsThroughStages_returnsWhenAllSignaled() throws Exception {
    List<SyncObject> objects = new ArrayList<>();
    List<SyncPoint> points = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      SyncObject obj = SyncObject.create();
      objects.add(obj);
      points.add(obj.at(1));
    }

    assertThat(
            whileBlocked(
                () -> SyncObject.waitAll(points, LONG, WaitFlag.FOR_SUBMIT),
                () -> {
                  List<Fence> fences = new ArrayList<>();
                  for (SyncObject obj : objects) {
                    Fence f = new TestFence();
                    fences.add(f);
                    obj.addPoint(1, f);
                  }
                  for (int i = 0; i < 8; i++) {
                    fences.get(i).signal();
                    objects.get(i).reset(); // after its signal: the wait already has the fence
                    objects.get(i).addPoint(1, new TestFence());
                  }
                }))
        .isTrue();
  }

  @Test
  void waitAny_interrupted_throwsInterruptedException() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new TestFence());

    try (Spawned<Integer> waiter =
        Spawned.start("waiter", () -> SyncObject.waitAny(List.of(obj.at(1)), LONG))) {
      awaitBlocked(waiter);
      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
  }

  @Test
  void waitAll_forSubmitInterrupted_throwsAndUnregisters() throws Exception {
    SyncObject obj = SyncObject.create();

    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter", () -> SyncObject.waitAll(List.of(obj.at(1)), LONG, WaitFlag.FOR_SUBMIT))) {
      awaitBlocked(waiter);
      waiter.thread().interrupt();

      assertThatThrownBy(waiter::join).isInstanceOf(InterruptedException.class);
    }
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  @Test
  void waitAll_interruptedOnEntry_throwsEvenIfDone() {
    SyncObject obj = SyncObject.createSignaled();
    Thread.currentThread().interrupt();

    assertThatThrownBy(() -> SyncObject.waitAll(List.of(obj.at(0)), LONG))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
  }

  @Test
  void waitAll_timeUnitForm_waitsLikeDurationForm() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(2, work);

    try (Spawned<Boolean> waiter =
        Spawned.start(
            "waiter",
            () -> SyncObject.waitAll(List.of(obj.at(2)), LONG.toMillis(), TimeUnit.MILLISECONDS))) {
      awaitBlocked(waiter);
      work.signal();

      assertThat(waiter.join()).isTrue();
    }
  }

  // awaitSubmitted / whenSubmitted

  @Test
  void awaitSubmitted_submittedPoint_returnsItsFenceAtOnce() throws Exception {
    SyncObject obj = SyncObject.create();
    obj.addPoint(1, new TestFence());

    Optional<Fence> f = obj.awaitSubmitted(1, Duration.ZERO);

    assertThat(f).isEqualTo(obj.find(1));
  }

  @Test
  void awaitSubmitted_delayedSubmit_returnsFirstFenceThatAppeared() throws Exception {
    SyncObject obj = SyncObject.create();

    try (Spawned<Optional<Fence>> waiter =
        Spawned.start("waiter", () -> obj.awaitSubmitted(2, LONG))) {
      awaitBlocked(waiter);
      obj.addPoint(3, new TestFence());
      Fence atSubmission = obj.find(2).orElseThrow();
      obj.reset();

      assertThat(waiter.join()).containsSame(atSubmission);
    }
  }

  @Test
  void awaitSubmitted_timeout_returnsEmpty() throws Exception {
    SyncObject obj = SyncObject.create();

    assertThat(obj.awaitSubmitted(1, SHORT)).isEmpty();
    assertThat(obj.awaitSubmitted(1, 0, TimeUnit.SECONDS)).isEmpty();
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  @Test
  void awaitSubmitted_pointZero_waitsForAnyFence() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence f = new TestFence();

    try (Spawned<Optional<Fence>> waiter =
        Spawned.start("waiter", () -> obj.awaitSubmitted(0, 20, TimeUnit.SECONDS))) {
      awaitBlocked(waiter);
      obj.replace(f);

      assertThat(waiter.join()).containsSame(f);
    }
  }

  @Test
  void whenSubmitted_submittedPoint_completedAtOnce() {
    SyncObject obj = SyncObject.createSignaled();

    CompletableFuture<Fence> future = obj.whenSubmitted(0);

    assertThat(future).isCompletedWithValue(obj.fence().orElseThrow());
  }

  @Test
  void whenSubmitted_laterSubmit_completesWithPointFence() {
    SyncObject obj = SyncObject.create();
    CompletableFuture<Fence> future = obj.whenSubmitted(2);

    obj.signal(1);
    assertThat(future).isNotDone();
    obj.addPoint(2, new TestFence());

    assertThat(future).isCompletedWithValue(obj.find(2).orElseThrow());
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  @Test
  void whenSubmitted_cancelled_unregisters() {
    SyncObject obj = SyncObject.create();
    CompletableFuture<Fence> future = obj.whenSubmitted(5);
    assertThat(obj.describe()).contains("waitingForSubmit=1");

    future.cancel(false);

    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
    obj.signal(5);
    assertThat(future).isCancelled();
  }

  /**
   * Threads blocked on a submission wake before the futures of that submission complete: a
   * dependent that blocks until the waiter has returned does not deadlock the submission.
   */
  @Test
  void whenSubmitted_blockedWaiterOnSameSubmission_wokenBeforeFutureDependents() throws Exception {
    SyncObject obj = SyncObject.create();
    try (Spawned<Optional<Fence>> waiter =
        Spawned.start("waiter", () -> obj.awaitSubmitted(1, LONG))) {
      awaitBlocked(waiter);
      CompletableFuture<Boolean> waiterDoneFirst =
          obj.whenSubmitted(1)
              .thenApply(
                  f -> {
                    try {
                      waiter.thread().join(LONG.toMillis()); // in the submitting thread
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    return !waiter.thread().isAlive();
                  });

      obj.signal(1);

      assertThat(waiterDoneFirst).isCompletedWithValue(true);
      assertThat(waiter.join()).isPresent();
    }
  }

  /**
   * A thread blocked in a wait on a point's fence is woken before the callbacks of that fence run:
   * a callback registered before the signal that blocks until the waiter has returned does not
   * deadlock (it would if the waiter were only woken after it).
   */
  @Test
  void waitAll_blockedOnPointFence_wokenBeforeCallbacksOfThatFence() throws Exception {
    SyncObject obj = SyncObject.create();
    Fence work = new TestFence();
    obj.addPoint(1, work);
    try (Spawned<Boolean> waiter =
        Spawned.start("waiter", () -> SyncObject.waitAll(List.of(obj.at(1)), LONG))) {
      awaitBlocked(waiter);
      CompletableFuture<Boolean> waiterDoneFirst = new CompletableFuture<>();
      work.addCallback(
          f -> {
            try {
              waiter.thread().join(LONG.toMillis()); // inline, in the signaling thread
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            waiterDoneFirst.complete(!waiter.thread().isAlive());
          });

      work.signal();

      assertThat(waiterDoneFirst).isCompletedWithValue(true);
      assertThat(waiter.join()).isTrue();
    }
  }

  /** "Done" is signaled with or without an error: a failed point completes every kind of wait. */
  @Test
  void waits_pointSignaledWithError_countAsDone() throws Exception {
    SyncObject a = SyncObject.create();
    SyncObject b = SyncObject.create();
    Fence failed = new TestFence();
    a.addPoint(1, failed);
    b.addPoint(1, new TestFence());
    failed.signal(org.fence4j.FenceError.EIO);

    assertThat(SyncObject.waitAll(List.of(a.at(1)), Duration.ZERO)).isTrue();
    assertThat(SyncObject.waitAny(List.of(b.at(1), a.at(1)), Duration.ZERO)).isEqualTo(1);
    assertThat(a.find(1)).hasValueSatisfying(f -> assertThat(f.error()).isPresent());
  }
}
