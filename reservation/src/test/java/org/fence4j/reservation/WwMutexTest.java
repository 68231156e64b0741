package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.get;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.reservation.TestSupport.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wound/wait mutex semantics: the kernel's ww_mutex rules, one property per test. */
class WwMutexTest {
  private final WwClass waitDie = WwClass.waitDie("test-wd");
  private final WwClass woundWait = WwClass.woundWait("test-ww");
  private final Worker a = new Worker("A");
  private final Worker b = new Worker("B");
  private final Worker c = new Worker("C");

  @AfterEach
  void tearDown() throws InterruptedException {
    a.close();
    b.close();
    c.close();
  }

  private static Throwable failure(Future<?> f) throws InterruptedException {
    try {
      f.get(TestSupport.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  /** A fresh context has a later (larger) ticket than one created before it. */
  @Test
  void stamp_laterContext_isYounger() {
    try (WwAcquireContext first = new WwAcquireContext(waitDie);
        WwAcquireContext second = new WwAcquireContext(waitDie)) {
      assertThat(second.stamp()).isGreaterThan(first.stamp());
    }
  }

  /** lock returns false (-EALREADY) when the context already holds the mutex. */
  @Test
  void lock_alreadyHeldByContext_returnsFalse() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    assertThat(m.lock(ctx)).isTrue();
    assertThat(m.lock(ctx)).isFalse();
    assertThat(ctx.acquiredCount()).isEqualTo(1);
    m.unlock();
    assertThat(m.isLocked()).isFalse();
    ctx.close();
  }

  /**
   * Wait-Die: a younger context holding locks dies on meeting an older holder, and nothing moves.
   */
  @Test
  void lock_waitDieYoungerMeetsOlderHolder_throwsDeadlock() throws Exception {
    WwMutex m1 = new WwMutex(waitDie);
    WwMutex m2 = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(waitDie));
    a.call(() -> m1.lock(old));
    b.call(() -> m2.lock(young));

    Throwable t = failure(b.submit(() -> m1.lock(young)));

    assertThat(t).isInstanceOf(WwDeadlockException.class);
    assertThat(((WwDeadlockException) t).mutex()).isSameAs(m1);
    assertThat(t.getMessage()).contains(m1.toString().substring(0, 8));
    assertThat(b.call(young::acquiredCount)).isEqualTo(1);
    assertThat(m1.isLocked()).isTrue();
    a.run(m1::unlock);
    b.run(m2::unlock);
  }

  /** Wait-Die: an older context never backs off for a younger holder; it waits, then gets it. */
  @Test
  void lock_waitDieOlderMeetsYoungerHolder_waitsInsteadOfDying() throws Exception {
    WwMutex m1 = new WwMutex(waitDie);
    WwMutex m2 = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(waitDie));
    b.call(() -> m1.lock(young));
    a.call(() -> m2.lock(old));

    Future<Boolean> oldLock = a.submit(() -> m1.lock(old));
    a.awaitParkedOn(m1);
    assertThat(oldLock).isNotDone();
    b.run(m1::unlock);

    assertThat(get(oldLock)).isTrue();
    assertThat(a.call(old::acquiredCount)).isEqualTo(2);
    a.run(m1::unlock);
    a.run(m2::unlock);
  }

  /** A context holding no lock never gets a deadlock exception, even when younger. */
  @Test
  void lock_contextHoldingNothing_neverThrowsDeadlock() throws Exception {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(waitDie));
    a.call(() -> m.lock(old));

    Future<Boolean> youngLock = b.submit(() -> m.lock(young));
    b.awaitParkedOn(m);
    a.run(m::unlock);

    assertThat(get(youngLock)).isTrue();
    b.run(m::unlock);
  }

  /** Wait-Die: a younger waiter that holds locks dies when an older context queues ahead of it. */
  @Test
  void lock_waitDieOlderWaiterQueuesAhead_youngerWaiterDies() throws Exception {
    WwMutex contended = new WwMutex(waitDie);
    WwMutex heldByOld = new WwMutex(waitDie);
    WwMutex heldByMid = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext mid = b.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext youngest = c.call(() -> new WwAcquireContext(waitDie));
    c.call(() -> contended.lock(youngest));
    a.call(() -> heldByOld.lock(old));
    b.call(() -> heldByMid.lock(mid));

    Future<Boolean> midLock = b.submit(() -> contended.lock(mid)); // holder is younger: waits
    b.awaitParkedOn(contended);
    Future<Boolean> oldLock = a.submit(() -> contended.lock(old)); // queues ahead of mid

    assertThat(failure(midLock)).isInstanceOf(WwDeadlockException.class);
    a.awaitParkedOn(contended);
    c.run(contended::unlock);
    assertThat(get(oldLock)).isTrue();
    a.run(contended::unlock);
    a.run(heldByOld::unlock);
    b.run(heldByMid::unlock);
  }

  /** Waiters with contexts get the lock oldest first, whatever their arrival order. */
  @Test
  void unlock_contextWaiters_handOffOldestFirst() throws Exception {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(waitDie));
    Worker holder = c;
    holder.run(m::lock);
    Future<Boolean> youngLock = b.submit(() -> m.lock(young));
    b.awaitParkedOn(m);
    Future<Boolean> oldLock = a.submit(() -> m.lock(old));
    a.awaitParkedOn(m);

    holder.run(m::unlock);

    assertThat(get(oldLock)).isTrue();
    assertThat(youngLock).isNotDone();
    a.run(m::unlock);
    assertThat(get(youngLock)).isTrue();
    b.run(m::unlock);
  }

  /**
   * Wound-Wait: an older context wounds the younger holder, which backs off at its next contention.
   */
  @Test
  void lock_woundWaitOlderWaits_youngerHolderBacksOffAtNextContention() throws Exception {
    WwMutex m1 = new WwMutex(woundWait);
    WwMutex m2 = new WwMutex(woundWait);
    WwMutex free = new WwMutex(woundWait);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(woundWait));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(woundWait));
    b.call(() -> m1.lock(young));
    a.call(() -> m2.lock(old));

    Future<Boolean> oldLock = a.submit(() -> m1.lock(old)); // wounds young, waits
    a.awaitParkedOn(m1);
    assertThat(b.call(() -> free.lock(young))).isTrue(); // uncontended: no back-off yet
    Throwable t = failure(b.submit(() -> m2.lock(young))); // contended: wounded, backs off

    assertThat(t).isInstanceOf(WwDeadlockException.class);
    b.run(
        () -> {
          free.unlock();
          m1.unlock();
        });
    assertThat(get(oldLock)).isTrue();
    a.run(m1::unlock);
    a.run(m2::unlock);
  }

  /**
   * Wound-Wait: an older context that holds nothing waits without wounding the younger holder (it
   * cannot close a cycle), so the holder does not back off at its next contention.
   */
  @Test
  void lock_woundWaitOlderContextHoldingNothing_doesNotWoundHolder() throws Exception {
    WwMutex m1 = new WwMutex(woundWait);
    WwMutex plain = new WwMutex(woundWait);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(woundWait));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(woundWait));
    b.call(() -> m1.lock(young));
    c.run(plain::lock); // contention for the young context's next lock
    Future<Boolean> oldLock = a.submit(() -> m1.lock(old)); // holds nothing: must not wound
    a.awaitParkedOn(m1);

    Future<Boolean> youngNext = b.submit(() -> plain.lock(young)); // contended: wounded would die
    org.awaitility.Awaitility.await()
        .atMost(TestSupport.LONG)
        .until(() -> youngNext.isDone() || LockSupport.getBlocker(b.thread) == plain);
    c.run(plain::unlock);

    assertThat(get(youngNext)).isTrue();
    b.run(
        () -> {
          plain.unlock();
          m1.unlock();
        });
    assertThat(get(oldLock)).isTrue();
    a.run(m1::unlock);
  }

  /** Wound-Wait: a wounded context already waiting for another lock is woken and backs off. */
  @Test
  void lock_woundWaitWoundedWhileWaiting_backsOffAtOnce() throws Exception {
    WwMutex m1 = new WwMutex(woundWait);
    WwMutex m2 = new WwMutex(woundWait);
    WwMutex plain = new WwMutex(woundWait);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(woundWait));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(woundWait));
    c.run(plain::lock); // a context-less holder the young context will wait for
    b.call(() -> m1.lock(young));
    a.call(() -> m2.lock(old));
    Future<Boolean> youngWait = b.submit(() -> plain.lock(young));
    b.awaitParkedOn(plain);

    Future<Boolean> oldLock = a.submit(() -> m1.lock(old));

    assertThat(failure(youngWait)).isInstanceOf(WwDeadlockException.class);
    b.run(m1::unlock);
    assertThat(get(oldLock)).isTrue();
    a.run(m1::unlock);
    a.run(m2::unlock);
    c.run(plain::unlock);
  }

  /** Wound-Wait: an older context meeting a younger holder waits; it never gets the exception. */
  @Test
  void lock_woundWaitOlderContext_neverBacksOff() throws Exception {
    WwMutex m1 = new WwMutex(woundWait);
    WwMutex m2 = new WwMutex(woundWait);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(woundWait));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(woundWait));
    b.call(() -> m1.lock(young));
    a.call(() -> m2.lock(old));
    Future<Boolean> oldLock = a.submit(() -> m1.lock(old));
    a.awaitParkedOn(m1);

    b.run(m1::unlock);

    assertThat(get(oldLock)).isTrue();
    a.run(m1::unlock);
    a.run(m2::unlock);
  }

  /** lockSlow after a back-off waits for the contended lock and does not throw. */
  @Test
  void lockSlow_afterBackOff_acquiresContendedLock() throws Exception {
    WwMutex m1 = new WwMutex(waitDie);
    WwMutex m2 = new WwMutex(waitDie);
    WwAcquireContext old = a.call(() -> new WwAcquireContext(waitDie));
    WwAcquireContext young = b.call(() -> new WwAcquireContext(waitDie));
    a.call(() -> m1.lock(old));
    b.call(() -> m2.lock(young));
    assertThat(failure(b.submit(() -> m1.lock(young)))).isInstanceOf(WwDeadlockException.class);
    b.run(m2::unlock);

    Future<?> slow =
        b.submit(
            () -> {
              m1.lockSlow(young);
              return null;
            });
    b.awaitParkedOn(m1);
    a.run(m1::unlock);
    get(slow);

    assertThat(b.call(() -> m2.lock(young))).isTrue();
    assertThat(b.call(young::acquiredCount)).isEqualTo(2);
    b.run(
        () -> {
          m1.unlock();
          m2.unlock();
          young.close();
        });
  }

  /** lockSlow with a context that still holds a lock is rejected and changes nothing. */
  @Test
  void lockSlow_contextHoldingLocks_throwsIllegalState() {
    WwMutex m1 = new WwMutex(waitDie);
    WwMutex m2 = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    m1.lock(ctx);

    assertThatThrownBy(() -> m2.lockSlow(ctx)).isInstanceOf(IllegalStateException.class);
    assertThat(m2.isLocked()).isFalse();
    m1.unlock();
  }

  /** An interrupt while waiting aborts lockInterruptibly without acquiring or leaving a waiter. */
  @Test
  void lockInterruptibly_interruptedWhileWaiting_throwsAndLeavesNoTrace() throws Exception {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = b.call(() -> new WwAcquireContext(waitDie));
    a.run(m::lock);
    Future<Boolean> waiting = b.submit(() -> m.lockInterruptibly(ctx));
    b.awaitParkedOn(m);

    b.thread.interrupt();

    assertThat(failure(waiting)).isInstanceOf(InterruptedException.class);
    a.run(m::unlock);
    assertThat(m.isLocked()).isFalse();
    assertThat(b.call(ctx::acquiredCount)).isZero();
  }

  /** lockInterruptibly with the interrupt flag already set throws at once. */
  @Test
  void lockInterruptibly_alreadyInterrupted_throws() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    Thread.currentThread().interrupt();

    assertThatThrownBy(() -> m.lockInterruptibly(ctx)).isInstanceOf(InterruptedException.class);
    assertThat(m.isLocked()).isFalse();
  }

  /** Plain lock/unlock make a mutex; isLocked reflects it. */
  @Test
  void lock_withoutContext_locksAndUnlocks() {
    WwMutex m = new WwMutex(waitDie);
    m.lock();
    assertThat(m.isLocked()).isTrue();
    assertThat(m.isHeldByCurrentThread()).isTrue();
    m.unlock();
    assertThat(m.isLocked()).isFalse();
  }

  /** A context-less waiter gets the lock once the holder unlocks. */
  @Test
  void lock_withoutContextContended_waitsForUnlock() throws Exception {
    WwMutex m = new WwMutex(waitDie);
    a.run(m::lock);
    Future<?> waiter =
        b.submit(
            () -> {
              m.lock();
              return null;
            });
    b.awaitParkedOn(m);
    a.run(m::unlock);
    get(waiter);
    assertThat(b.call(m::isHeldByCurrentThread)).isTrue();
    b.run(m::unlock);
  }

  /** Locking again from the holding thread is an error, not a self-deadlock. */
  @Test
  void lock_heldByCurrentThread_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    m.lock();
    assertThatThrownBy(m::lock).isInstanceOf(IllegalStateException.class);
    m.unlock();
  }

  /** tryLock fails on a held mutex and succeeds on a free one. */
  @Test
  void tryLock_heldOrFree_reflectsAvailability() {
    WwMutex m = new WwMutex(waitDie);
    assertThat(m.tryLock()).isTrue();
    assertThat(m.tryLock()).isFalse();
    m.unlock();
    assertThat(m.tryLock()).isTrue();
    m.unlock();
  }

  /** Unlocking a free mutex is rejected. */
  @Test
  void unlock_free_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    assertThatThrownBy(m::unlock).isInstanceOf(IllegalStateException.class);
  }

  /** Unlocking a mutex held by another thread is rejected and leaves it held. */
  @Test
  void unlock_byAnotherThread_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    a.run(m::lock);
    assertThatThrownBy(m::unlock).isInstanceOf(IllegalStateException.class);
    assertThat(m.isLocked()).isTrue();
    a.run(m::unlock);
  }

  /** A context of another class is rejected. */
  @Test
  void lock_contextOfAnotherClass_throwsIllegalArgument() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(woundWait);
    assertThatThrownBy(() -> m.lock(ctx)).isInstanceOf(IllegalArgumentException.class);
    assertThat(m.isLocked()).isFalse();
  }

  /** A context used from another thread is rejected. */
  @Test
  void lock_contextFromAnotherThread_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = a.call(() -> new WwAcquireContext(waitDie));
    assertThatThrownBy(() -> m.lock(ctx)).isInstanceOf(IllegalStateException.class);
    assertThat(m.isLocked()).isFalse();
  }

  /** After done(), the context takes no more locks. */
  @Test
  void lock_afterDone_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    ctx.done();
    assertThat(ctx.isDone()).isTrue();
    assertThatThrownBy(() -> m.lock(ctx)).isInstanceOf(IllegalStateException.class);
  }

  /** A closed context takes no more locks. */
  @Test
  void lock_afterClose_throwsIllegalState() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    ctx.close();
    assertThatThrownBy(() -> m.lock(ctx)).isInstanceOf(IllegalStateException.class);
  }

  /** Closing a context that still holds locks fails and changes nothing; it closes after unlock. */
  @Test
  void close_contextHoldingLocks_throwsAndChangesNothing() {
    WwMutex m = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    m.lock(ctx);

    assertThatThrownBy(ctx::close).isInstanceOf(IllegalStateException.class);
    assertThat(m.isLocked()).isTrue();
    assertThat(ctx.acquiredCount()).isEqualTo(1);
    assertThat(m.lock(ctx)).isFalse(); // still open and usable

    m.unlock();
    ctx.close();
    ctx.close(); // idempotent
  }

  /** Locks released in any order leave the context holding exactly the others. */
  @Test
  void unlock_inAnyOrder_contextHoldsExactlyTheRest() {
    WwMutex[] m = new WwMutex[4];
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    for (int i = 0; i < m.length; i++) {
      m[i] = new WwMutex(waitDie);
      m[i].lock(ctx);
    }

    m[1].unlock(); // a middle one
    m[3].unlock(); // the latest
    m[0].unlock(); // the first

    assertThat(ctx.acquiredCount()).isEqualTo(1);
    assertThat(m[2].isHeldBy(ctx)).isTrue();
    assertThat(m[1].lock(ctx)).isTrue(); // released: taken again
    assertThat(m[2].lock(ctx)).isFalse(); // still held
    m[1].unlock();
    m[2].unlock();
    assertThat(ctx.acquiredCount()).isZero();
    ctx.close();
  }

  /** Closing a context that holds locks names them in the order they were taken. */
  @Test
  void close_contextHoldingLocks_namesThemInLockingOrder() {
    WwMutex first = new WwMutex(waitDie);
    WwMutex second = new WwMutex(waitDie);
    WwMutex third = new WwMutex(waitDie);
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    first.lock(ctx);
    second.lock(ctx);
    third.lock(ctx);
    second.unlock();

    assertThatThrownBy(ctx::close)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("2 lock(s): [" + first + ", " + third + "]");

    first.unlock();
    third.unlock();
    ctx.close();
  }

  /** toString names the state and owner; class toString names the algorithm. */
  @Test
  void toString_describesState() {
    WwMutex m = new WwMutex(waitDie);
    assertThat(m.toString()).contains("unlocked");
    WwAcquireContext ctx = new WwAcquireContext(waitDie);
    m.lock(ctx);
    assertThat(m.toString()).contains("#" + ctx.stamp());
    m.unlock();
    assertThat(waitDie.toString()).contains("wait-die");
    assertThat(woundWait.toString()).contains("wound-wait");
    assertThat(waitDie.isWaitDie()).isTrue();
    assertThat(woundWait.isWaitDie()).isFalse();
    assertThat(waitDie.name()).isEqualTo("test-wd");
  }
}
