package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.LONG;
import static org.fence4j.reservation.TestSupport.fence;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.Worker;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The single-buffer conveniences of ReservationObject: addFenceWithLock and awaitSuccess. */
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

  // --- awaitSuccess ------------------------------------------------------------------------------

  private void add(Fence f, Usage u) {
    obj.addFenceWithLock(f, u);
  }

  /** Nothing stored: returns at once, even with a zero timeout. */
  @Test
  void awaitSuccess_noFences_returns() throws Exception {
    obj.awaitSuccess(Usage.BOOKKEEP, Duration.ZERO);
    obj.awaitSuccess(Usage.BOOKKEEP, 0, TimeUnit.NANOSECONDS);
  }

  /** Every covered fence signaled without error: returns. */
  @Test
  void awaitSuccess_allSucceeded_returns() throws Exception {
    Fence a = fence();
    Fence b = fence();
    add(a, Usage.WRITE);
    add(b, Usage.READ);
    a.signal();
    b.signal();
    obj.awaitSuccess(Usage.READ, Duration.ZERO);
  }

  /** Fences signaled by another thread while it waits: returns once all have. */
  @Test
  void awaitSuccess_fencesSignaledByAnotherThread_returns() throws Exception {
    Fence a = fence();
    Fence b = fence();
    add(a, Usage.WRITE);
    add(b, Usage.READ);
    try (Worker w = new Worker("waiter")) {
      Future<Object> waited =
          w.submit(
              () -> {
                obj.awaitSuccess(Usage.READ, LONG);
                return null;
              });
      a.signal();
      b.signal();
      TestSupport.get(waited);
    }
  }

  /** A failed fence among several: its FenceErrorException, with error and cause. */
  @Test
  void awaitSuccess_failedFenceAmongSeveral_throwsItsErrorAndCause() {
    Fence ok = fence();
    Fence failed = fence();
    Fence later = fence();
    add(ok, Usage.WRITE);
    add(failed, Usage.WRITE);
    add(later, Usage.READ);
    ok.signal();
    RuntimeException hang = new RuntimeException("gpu hang");
    failed.signal(FenceError.EIO, hang);
    later.signal();
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, LONG))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.EIO))
        .hasCause(hang)
        .hasMessageContaining(obj.name())
        .hasMessageContaining(failed.describe());
  }

  /** A failure without a cause: the exception carries the error and no cause. */
  @Test
  void awaitSuccess_failedWithoutCause_throwsWithNoCause() {
    Fence failed = fence();
    add(failed, Usage.WRITE);
    failed.signal(FenceError.ETIME);
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.WRITE, Duration.ZERO))
        .isInstanceOfSatisfying(
            FenceErrorException.class, e -> assertThat(e.error()).isEqualTo(FenceError.ETIME))
        .hasNoCause();
  }

  /** A fence already failed is reported at once, without waiting for a pending one before it. */
  @Test
  void awaitSuccess_failedBehindPending_throwsWithoutWaiting() {
    Fence pending = fence();
    Fence failed = fence();
    add(pending, Usage.WRITE);
    add(failed, Usage.WRITE);
    failed.signal(FenceError.EIO);
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.WRITE, LONG))
        .isInstanceOf(FenceErrorException.class); // not a TimeoutException after LONG
    assertThat(pending.isSignaled()).isFalse();
  }

  /** A fence that fails while the call waits for it ends the wait with its exception. */
  @Test
  void awaitSuccess_fenceFailsWhileWaiting_throwsIt() throws Exception {
    Fence f = fence();
    add(f, Usage.WRITE);
    IllegalStateException why = new IllegalStateException("lost device");
    try (Worker w = new Worker("waiter")) {
      Future<Object> waited =
          w.submit(
              () -> {
                obj.awaitSuccess(Usage.WRITE, LONG);
                return null;
              });
      w.awaitParkedOn(f);
      f.signal(FenceError.ENODATA, why);
      assertThatThrownBy(() -> TestSupport.get(waited))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(FenceErrorException.class)
          .hasCause(why);
    }
  }

  /** A fence still pending at the timeout: TimeoutException naming the object and that fence. */
  @Test
  void awaitSuccess_pendingAtTimeout_throwsTimeoutNamingObjectAndFence() {
    Fence done = fence();
    Fence pending = fence();
    add(done, Usage.WRITE);
    add(pending, Usage.WRITE);
    done.signal();
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.WRITE, Duration.ofMillis(20)))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining(obj.name())
        .hasMessageContaining(pending.describe())
        .hasMessageNotContaining(done.describe());
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.WRITE, 0, TimeUnit.SECONDS))
        .isInstanceOf(TimeoutException.class);
  }

  /** Fences of a weaker usage than asked for are neither waited for nor reported. */
  @Test
  void awaitSuccess_weakerUsage_notCovered() throws Exception {
    Fence read = fence();
    Fence bookkeep = fence();
    add(read, Usage.READ);
    add(bookkeep, Usage.BOOKKEEP);
    bookkeep.signal(FenceError.EIO);
    obj.awaitSuccess(Usage.WRITE, Duration.ZERO); // the pending READ fence is not covered
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, Duration.ZERO))
        .isInstanceOf(TimeoutException.class);
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.BOOKKEEP, Duration.ZERO))
        .isInstanceOf(FenceErrorException.class);
  }

  /** The (long, TimeUnit) form waits like the Duration form. */
  @Test
  void awaitSuccess_timeUnit_waitsForSignal() throws Exception {
    Fence f = fence();
    add(f, Usage.KERNEL);
    try (Worker w = new Worker("waiter")) {
      Future<Object> waited =
          w.submit(
              () -> {
                obj.awaitSuccess(Usage.WRITE, 10, TimeUnit.SECONDS);
                return null;
              });
      f.signal();
      TestSupport.get(waited);
    }
  }

  /** Negative timeouts are rejected, in both forms. */
  @Test
  void awaitSuccess_negativeTimeout_throwsIllegalArgument() {
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, -1, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Null arguments fail with a NullPointerException naming the parameter. */
  @Test
  void awaitSuccess_null_throwsNullPointerNamingParameter() {
    assertThatThrownBy(() -> obj.awaitSuccess(null, Duration.ZERO))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("usage");
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, 1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
  }

  /** An interrupt before the call: InterruptedException, even with nothing to wait for. */
  @Test
  void awaitSuccess_interruptedBefore_throwsInterrupted() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> obj.awaitSuccess(Usage.READ, LONG))
          .isInstanceOf(InterruptedException.class);
    } finally {
      Thread.interrupted();
    }
  }

  /** An interrupt while waiting: InterruptedException. */
  @Test
  void awaitSuccess_interruptedWhileWaiting_throwsInterrupted() throws Exception {
    Fence f = fence();
    add(f, Usage.WRITE);
    try (Worker w = new Worker("waiter")) {
      Future<Object> waited =
          w.submit(
              () -> {
                obj.awaitSuccess(Usage.WRITE, LONG);
                return null;
              });
      w.awaitParkedOn(f);
      w.thread.interrupt();
      assertThatThrownBy(() -> TestSupport.get(waited))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(InterruptedException.class);
    }
  }

  /** A fence whose peekSignaled hook throws on demand. */
  private static final class ThrowingPeekFence extends TestFence {
    volatile boolean fail;

    ThrowingPeekFence() {
      super(org.fence4j.FenceContexts.allocate(1), 1, "test", "throwing-peek");
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
