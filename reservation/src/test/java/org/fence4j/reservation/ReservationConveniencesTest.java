package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.fence;

import java.util.List;
import java.util.concurrent.Future;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The single-buffer conveniences of ReservationObject: addFenceWithLock. */
class ReservationConveniencesTest {
  private final ReservationObject obj = new ReservationObject();
  private final FenceContext ctx = FenceContext.create("test", "conveniences");

  @AfterEach
  void tearDown() {
    if (obj.mutex().isHeldByCurrentThread()) {
      obj.unlock();
    }
  }

  // --- addFenceWithLock --------------------------------------------------------------------------

  /** The fence is added with its usage and the object is unlocked afterwards. */
  @Test
  void addFenceWithLock_unlockedObject_addsFenceAndUnlocks() {
    Fence f = fence();
    obj.addFenceWithLock(f, Usage.WRITE);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(f);
    assertThat(obj.fences(Usage.KERNEL)).isEmpty();
    assertThat(obj.isLocked()).isFalse();
  }

  /** It follows addFence's replacement rule: a later same-context fence replaces the earlier. */
  @Test
  void addFenceWithLock_sameContextLater_replacesEarlier() {
    Fence first = ctx.next();
    Fence second = ctx.next();
    obj.addFenceWithLock(first, Usage.READ);
    obj.addFenceWithLock(second, Usage.READ);
    assertThat(obj.fences(Usage.READ)).containsExactly(second);
    assertThat(obj.storedCount()).isEqualTo(1);
  }

  /** Calls in a row never run out of slots: each reserves its own. */
  @Test
  void addFenceWithLock_manyCalls_eachReservesItsSlot() {
    for (int i = 0; i < 10; i++) {
      obj.addFenceWithLock(fence(), Usage.READ);
    }
    assertThat(obj.fences(Usage.READ)).hasSize(10);
  }

  /** Holding the lock already is refused with a clear message, before anything changes. */
  @Test
  void addFenceWithLock_lockHeldByCurrentThread_throwsIllegalStateAndChangesNothing() {
    obj.lock();
    assertThatThrownBy(() -> obj.addFenceWithLock(fence(), Usage.WRITE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already holds the lock")
        .hasMessageContaining("addFence");
    assertThat(obj.mutex().isHeldByCurrentThread()).isTrue();
    assertThat(obj.reservedSlots()).isZero();
    assertThat(obj.storedCount()).isZero();
  }

  /** The object locked through an acquire context counts as held too. */
  @Test
  void addFenceWithLock_objectLockedWithContext_throwsIllegalState() {
    try (WwAcquireContext c = new WwAcquireContext(ReservationObject.WW_CLASS)) {
      obj.lock(c);
      try {
        assertThatThrownBy(() -> obj.addFenceWithLock(fence(), Usage.WRITE))
            .isInstanceOf(IllegalStateException.class);
        assertThat(obj.storedCount()).isZero();
      } finally {
        obj.unlock();
      }
    }
  }

  /**
   * Inside a multi-buffer transaction (locks held with a context) it refuses instead of waiting.
   */
  @Test
  void addFenceWithLock_insideTransactionOnOtherBuffer_throwsIllegalState() {
    ReservationObject other = new ReservationObject();
    try (WwAcquireContext c = new WwAcquireContext(ReservationObject.WW_CLASS)) {
      other.lock(c);
      try {
        assertThatThrownBy(() -> obj.addFenceWithLock(fence(), Usage.WRITE))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("transaction")
            .hasMessageContaining(c.toString());
        assertThat(obj.isLocked()).isFalse();
        assertThat(obj.storedCount()).isZero();
      } finally {
        other.unlock();
      }
    }
  }

  /** The same through ReservationLocks.lockAll, the usual way into a transaction. */
  @Test
  void addFenceWithLock_insideLockAll_throwsIllegalState() {
    ReservationObject other = new ReservationObject();
    try (LockedReservations locked = ReservationLocks.lockAll(List.of(other))) {
      assertThat(locked.objects()).containsExactly(other);
      assertThatThrownBy(() -> obj.addFenceWithLock(fence(), Usage.WRITE))
          .isInstanceOf(IllegalStateException.class);
    }
    assertThat(obj.storedCount()).isZero();
  }

  /** Once the transaction has released its locks, the convenience works again on that thread. */
  @Test
  void addFenceWithLock_afterTransactionReleased_works() {
    ReservationObject other = new ReservationObject();
    try (WwAcquireContext c = new WwAcquireContext(ReservationObject.WW_CLASS)) {
      other.lock(c);
      other.unlock();
      Fence f = fence();
      obj.addFenceWithLock(f, Usage.WRITE); // context open but holding nothing: no transaction
      assertThat(obj.fences(Usage.WRITE)).containsExactly(f);
    }
  }

  /** Another thread's transaction does not count for this thread. */
  @Test
  void addFenceWithLock_transactionOnAnotherThread_doesNotCount() throws Exception {
    ReservationObject other = new ReservationObject();
    try (Worker w = new Worker("transaction")) {
      WwAcquireContext c = w.call(() -> new WwAcquireContext(ReservationObject.WW_CLASS));
      w.run(() -> other.lock(c));
      Fence f = fence();
      obj.addFenceWithLock(f, Usage.WRITE);
      assertThat(obj.fences(Usage.WRITE)).containsExactly(f);
      w.run(
          () -> {
            other.unlock();
            c.close();
          });
    }
  }

  /** A container is rejected before locking: the object stays unlocked and unchanged. */
  @Test
  void addFenceWithLock_container_throwsIllegalArgumentAndStaysUnlocked() {
    FenceArray array = FenceArray.all(List.of(fence(), fence()));
    assertThatThrownBy(() -> obj.addFenceWithLock(array, Usage.WRITE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(obj.isLocked()).isFalse();
    assertThat(obj.storedCount()).isZero();
  }

  /** Null arguments fail with a NullPointerException naming the parameter. */
  @Test
  void addFenceWithLock_null_throwsNullPointerNamingParameter() {
    assertThatThrownBy(() -> obj.addFenceWithLock(null, Usage.WRITE))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("fence");
    assertThatThrownBy(() -> obj.addFenceWithLock(fence(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("usage");
    assertThat(obj.isLocked()).isFalse();
  }

  /** A fence hook that throws while adding leaves the object unlocked, and the error surfaces. */
  @Test
  void addFenceWithLock_hookThrows_unlocksAndPropagates() {
    ThrowingPeekFence bad = new ThrowingPeekFence();
    obj.addFenceWithLock(bad, Usage.READ);
    bad.fail = true;
    assertThatThrownBy(() -> obj.addFenceWithLock(fence(), Usage.WRITE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("hook failed");
    assertThat(obj.isLocked()).isFalse();
    bad.fail = false;
    obj.addFenceWithLock(fence(), Usage.WRITE); // still usable
    assertThat(obj.fences(Usage.WRITE)).hasSize(1);
  }

  /** The lock held by another thread makes the call wait until it is released. */
  @Test
  void addFenceWithLock_lockHeldByAnotherThread_waitsForUnlock() throws Exception {
    Fence f = fence();
    try (Worker holder = new Worker("holder");
        Worker adder = new Worker("adder")) {
      holder.run(obj::lock);
      Future<Object> added =
          adder.submit(
              () -> {
                obj.addFenceWithLock(f, Usage.WRITE);
                return null;
              });
      adder.awaitParkedOn(obj.mutex());
      assertThat(added).isNotDone();
      holder.run(obj::unlock);
      TestSupport.get(added);
    }
    assertThat(obj.fences(Usage.WRITE)).containsExactly(f);
    assertThat(obj.isLocked()).isFalse();
  }

  /** A fence whose peekSignaled hook throws on demand. */
  private static final class ThrowingPeekFence extends Fence {
    volatile boolean fail;

    ThrowingPeekFence() {
      super(org.fence4j.FenceContexts.allocate(1), 1);
    }

    @Override
    public String driverName() {
      return "test";
    }

    @Override
    public String timelineName() {
      return "throwing-peek";
    }

    @Override
    protected boolean peekSignaled() {
      if (fail) {
        throw new IllegalStateException("hook failed");
      }
      return false;
    }
  }
}
