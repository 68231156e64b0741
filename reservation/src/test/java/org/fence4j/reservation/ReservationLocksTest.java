package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.get;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.Worker;
import org.junit.jupiter.api.Test;

/** The lockAll helper: locking whole collections with automatic back-off. */
class ReservationLocksTest {
  private final ReservationObject a = new ReservationObject();
  private final ReservationObject b = new ReservationObject();
  private final ReservationObject c = new ReservationObject();

  /** lockAll locks every object (duplicates once) and close unlocks them all. */
  @Test
  void lockAll_objectsWithDuplicates_locksEachOnceAndCloseUnlocks() {
    LockedReservations locked = ReservationLocks.lockAll(Arrays.asList(b, a, b, c));
    assertThat(locked.objects()).containsExactly(b, a, c);
    assertThat(a.mutex().isHeldByCurrentThread()).isTrue();
    assertThat(b.mutex().isHeldByCurrentThread()).isTrue();
    assertThat(c.mutex().isHeldByCurrentThread()).isTrue();
    a.reserveFences(1);
    a.addFence(TestSupport.fence(), Usage.WRITE);

    locked.close();

    assertThat(locked.isClosed()).isTrue();
    assertThat(a.isLocked() || b.isLocked() || c.isLocked()).isFalse();
    locked.close(); // idempotent
  }

  /** An empty collection locks nothing and closes fine. */
  @Test
  void lockAll_emptyCollection_locksNothing() {
    try (LockedReservations locked = ReservationLocks.lockAll(List.of())) {
      assertThat(locked.objects()).isEmpty();
    }
  }

  /** Objects of different wound/wait classes are rejected and nothing stays locked. */
  @Test
  void lockAll_mixedClasses_throwsIllegalArgument() {
    ReservationObject other = new ReservationObject(WwClass.waitDie("other"));
    assertThatThrownBy(() -> ReservationLocks.lockAll(List.of(a, other)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(a.isLocked()).isFalse();
    assertThat(other.isLocked()).isFalse();
  }

  /** A null element is rejected and nothing is locked. */
  @Test
  void lockAll_nullElement_throwsNpe() {
    assertThatThrownBy(() -> ReservationLocks.lockAll(Arrays.asList(a, null)))
        .isInstanceOf(NullPointerException.class);
    assertThat(a.isLocked()).isFalse();
  }

  /** lockAll waits for objects held by others and gets them once released. */
  @Test
  void lockAll_objectHeldByAnotherThread_waitsThenLocks() throws Exception {
    try (Worker w = new Worker("holder")) {
      w.run(b::lock);
      try (Worker locker = new Worker("locker")) {
        Future<LockedReservations> f =
            locker.submit(() -> ReservationLocks.lockAll(List.of(a, b, c)));
        locker.awaitParkedOn(b.mutex());
        w.run(b::unlock);
        LockedReservations locked = get(f);
        assertThat(b.isLocked()).isTrue();
        locker.run(locked::close);
      }
    }
    assertThat(a.isLocked() || b.isLocked() || c.isLocked()).isFalse();
  }

  /** An interrupted lockAllInterruptibly leaves nothing locked. */
  @Test
  void lockAllInterruptibly_interrupted_leavesNothingLocked() throws Exception {
    try (Worker w = new Worker("holder");
        Worker locker = new Worker("locker")) {
      w.run(c::lock);
      Future<LockedReservations> f =
          locker.submit(() -> ReservationLocks.lockAllInterruptibly(List.of(a, b, c)));
      locker.awaitParkedOn(c.mutex());
      locker.thread.interrupt();
      assertThatThrownBy(() -> get(f)).hasCauseInstanceOf(InterruptedException.class);
      assertThat(a.isLocked()).isFalse();
      assertThat(b.isLocked()).isFalse();
      w.run(c::unlock);
    }
  }

  /** Locking an object the current thread already holds is an error; nothing stays locked. */
  @Test
  void lockAll_objectAlreadyHeldByCurrentThread_throwsIllegalState() {
    b.lock();
    assertThatThrownBy(() -> ReservationLocks.lockAll(List.of(a, b)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(a.isLocked()).isFalse();
    b.unlock();
  }

  /** close from another thread is rejected and the objects stay locked. */
  @Test
  void close_fromAnotherThread_throwsIllegalState() throws Exception {
    LockedReservations locked = ReservationLocks.lockAll(List.of(a, b));
    try (Worker w = new Worker("other")) {
      assertThatThrownBy(() -> w.run(locked::close)).isInstanceOf(IllegalStateException.class);
    }
    assertThat(a.isLocked()).isTrue();
    locked.close();
    assertThat(a.isLocked()).isFalse();
  }

  /** An object unlocked by hand before close is skipped by close. */
  @Test
  void close_objectUnlockedByHand_skipsIt() {
    LockedReservations locked = ReservationLocks.lockAll(List.of(a, b));
    a.unlock();
    locked.close();
    assertThat(b.isLocked()).isFalse();
  }
}
