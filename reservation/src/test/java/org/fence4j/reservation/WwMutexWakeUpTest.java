package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.fence4j.reservation.TestSupport.get;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.reservation.TestSupport.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * WwMutex's wake-up and anti-starvation guarantees, with the interleavings forced: a parked waiter
 * is woken by every release that concerns it, a waiter that leaves passes the wake-up on, and the
 * hand-off keeps an old waiter from being starved by threads that keep re-taking the lock. The
 * unlock/queue Dekker pair is forced through WwMutex's test seam (a waiter parks inside the fast
 * path's window) and raced freely by jcstress (fence-jcstress, WwMutexStress).
 */
class WwMutexWakeUpTest {
  /** Safety net: acquisitions each barging thread makes at most. */
  private static final int BARGER_BUDGET = 1_000_000;

  private static final long NEVER = Long.MAX_VALUE;
  private static final long ALWAYS = 0;

  private final WwClass cls = WwClass.waitDie("wake-up");
  private final Worker holder = new Worker("holder");
  private final Worker first = new Worker("first");
  private final Worker second = new Worker("second");

  @AfterEach
  void tearDown() throws InterruptedException {
    holder.close();
    first.close();
    second.close();
  }

  /** Without a hand-off due, a contended unlock wakes the parked first waiter to take the lock. */
  @Test
  void unlock_parkedFirstWaiterNoHandOff_wakesIt() throws Exception {
    WwMutex m = new WwMutex(cls, null, NEVER);
    holder.run(m::lock);
    Future<Boolean> waiter = first.submit(() -> lockUnlock(m));
    first.awaitParkedOn(m);

    holder.run(m::unlock);

    assertThat(get(waiter)).isTrue();
  }

  /**
   * The unlock fast path re-checks for waiters after releasing the lock: a waiter that queued and
   * parked after the unlocking thread had seen nobody queued, but before it released the lock, is
   * woken (the Dekker pair of the overview, with the interleaving forced through the test seam).
   */
  @Test
  void unlock_waiterParksBetweenQueuedCheckAndRelease_isWoken() throws Exception {
    WwMutex.Seam seam = WwMutex.SEAM;
    assertThat(seam)
        .as("the surefire config sets -Dfence4j.reservation.testSeams=true")
        .isNotNull();
    WwMutex m = new WwMutex(cls, null, NEVER);
    holder.run(m::lock);
    AtomicReference<Future<Boolean>> waiter = new AtomicReference<>();
    seam.beforeFastRelease =
        mutex -> {
          if (mutex == m) {
            seam.beforeFastRelease = null;
            waiter.set(first.submit(() -> lockUnlock(m)));
            first.awaitParkedOn(m); // queued and parked while the unlock is under way
          }
        };
    try {
      holder.run(m::unlock);

      assertThat(get(waiter.get())).isTrue();
    } finally {
      seam.beforeFastRelease = null;
      if (waiter.get() != null && !waiter.get().isDone()) {
        holder.run(() -> lockUnlock(m)); // a lost wake-up: wake the waiter so it can end
      }
    }
  }

  /** With a hand-off due, unlock gives the lock to the parked first waiter: nobody can barge. */
  @Test
  void unlock_handOffDue_firstWaiterOwnsLockBeforeItRuns() throws Exception {
    WwMutex m = new WwMutex(cls, null, ALWAYS);
    CountDownLatch release = new CountDownLatch(1);
    holder.run(m::lock);
    Future<Boolean> waiter =
        first.submit(
            () -> {
              m.lock();
              release.await();
              m.unlock();
              return true;
            });
    first.awaitParkedOn(m);

    boolean barged =
        holder.call(
            () -> {
              m.unlock();
              return m.tryLock();
            });

    assertThat(barged).isFalse();
    release.countDown();
    assertThat(get(waiter)).isTrue();
  }

  /**
   * A first waiter that a release signalled but that leaves (interrupted) before taking the free
   * lock wakes the next waiter; otherwise that one would stay parked with the lock free. The guard
   * orders the steps: the release runs, then the interrupted waiter checks, then the next one.
   */
  @Test
  void lockInterruptibly_signalledFirstWaiterLeaves_nextWaiterTakesFreeLock() throws Exception {
    WwMutex m = new WwMutex(cls, null, NEVER);
    holder.run(m::lock);
    Future<Boolean> leaving =
        first.submit(
            () -> {
              WwAcquireContext ctx = new WwAcquireContext(cls);
              return m.lockInterruptibly(ctx);
            });
    first.awaitParkedOn(m);
    Future<Boolean> next = second.submit(() -> lockUnlock(m));
    second.awaitParkedOn(m);

    ReentrantLock guard = m.guard();
    guard.lock();
    try {
      holder.submit(
          () -> {
            m.unlock(); // waits for the guard: releases and signals the first waiter after it
            return null;
          });
      await().atMost(TestSupport.LONG).until(() -> guard.hasQueuedThread(holder.thread));
      first.thread.interrupt(); // the first waiter wakes and waits for the guard, after holder
      await().atMost(TestSupport.LONG).until(() -> guard.hasQueuedThread(first.thread));
    } finally {
      guard.unlock();
    }

    assertThat(failureOf(leaving)).isInstanceOf(InterruptedException.class);
    assertThat(get(next)).isTrue();
  }

  /**
   * An old context waiting for a lock that two threads keep re-taking gets it at the first release
   * after it has waited past the hand-off delay: the re-taking threads make no acquisition ahead of
   * it from then on (without the hand-off, they kept winning the race for the released lock).
   */
  @Test
  void lock_oldWaiterAgainstTwoBargers_getsLockAtFirstReleaseOnceHandOffDue() throws Exception {
    WwMutex m = new WwMutex(cls);
    AtomicBoolean oldAcquired = new AtomicBoolean();
    AtomicLong aheadOfOld = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    try (Worker barger2 = new Worker("barger-2")) {
      holder.run(m::lock); // barger 1 starts as the holder
      Future<Boolean> old =
          first.submit(
              () -> {
                WwAcquireContext ctx = new WwAcquireContext(cls);
                assertThat(m.lock(ctx)).isTrue();
                oldAcquired.set(true); // under the lock: every later owner sees it
                m.unlock();
                ctx.close();
                return true;
              });
      first.awaitParkedOn(m);
      // Precondition, not a timing assertion: the old waiter has waited past the hand-off delay.
      await().pollDelay(Duration.ofMillis(5)).atMost(TestSupport.LONG).until(() -> true);
      Future<Boolean> b1 =
          holder.submit(
              () -> {
                go.await();
                for (int i = 0; i < BARGER_BUDGET && !oldAcquired.get(); i++) {
                  m.unlock();
                  m.lock();
                  if (!oldAcquired.get()) {
                    aheadOfOld.incrementAndGet();
                  }
                }
                m.unlock();
                return true;
              });
      Future<Boolean> b2 =
          barger2.submit(
              () -> {
                go.await();
                for (int i = 0; i < BARGER_BUDGET && !oldAcquired.get(); i++) {
                  m.lock();
                  if (!oldAcquired.get()) {
                    aheadOfOld.incrementAndGet();
                  }
                  m.unlock();
                }
                return true;
              });

      go.countDown();

      assertThat(old.get(1, TimeUnit.MINUTES)).isTrue();
      assertThat(b1.get(1, TimeUnit.MINUTES)).isTrue();
      assertThat(b2.get(1, TimeUnit.MINUTES)).isTrue();
    }
    assertThat(aheadOfOld.get()).isZero();
  }

  private static boolean lockUnlock(WwMutex m) {
    m.lock();
    m.unlock();
    return true;
  }

  private static Throwable failureOf(Future<?> f) throws Exception {
    try {
      f.get(TestSupport.LONG.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
