package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.Worker;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * ResourceSet's robustness rules: user code never runs inside an unlock or while the library holds
 * a buffer lock for the thread; a fence hook that throws never strands a request; a set's fence
 * callback leaves a fence that no longer matters.
 */
class ResourceSetRobustnessTest {
  /** Bound for steps that hang forever when the rule is broken (the test then fails, not hangs). */
  private static final long STEP_SECONDS = 5;

  private final ReservationObject a = new ReservationObject();
  private final ReservationObject b = new ReservationObject();
  private final ReservationObject c = new ReservationObject();

  /** A fence whose hooks can be made to throw, or whose peek can report it signaled. */
  static final class HookFence extends TestFence {
    volatile boolean peekThrows;
    volatile boolean enableThrows;
    volatile boolean peekSays;

    HookFence() {
      super(FenceContexts.allocate(1), 1, "test", "hooks");
    }

    @Override
    protected boolean peekSignaled() {
      if (peekThrows) {
        throw new IllegalStateException("peek hook failed");
      }
      return peekSays;
    }

    @Override
    protected boolean onEnableSignaling() {
      if (enableThrows) {
        throw new IllegalStateException("enable hook failed");
      }
      return true;
    }
  }

  private static void addWrite(ReservationObject buffer, Fence f) {
    buffer.lock();
    try {
      buffer.reserveFences(1);
      buffer.addFence(f, Usage.WRITE);
    } finally {
      buffer.unlock();
    }
  }

  private static ResourceSet within(CompletableFuture<ResourceSet> f) throws Exception {
    return f.get(TestSupport.LONG.toMillis(), TimeUnit.MILLISECONDS);
  }

  // --- item 1: no user code inside unlock / close / under library locks ----------------------

  /**
   * The reported deadlock: T1 closes its locks (unlocking x, then y) while a grant callback for x
   * locks z, which T2 holds while it waits for y. The grant must not run inside T1's close().
   */
  @Test
  void close_grantCallbackLocksBufferOfThreadWaitingForUs_doesNotDeadlock() throws Exception {
    ReservationObject x = new ReservationObject();
    ReservationObject y = new ReservationObject();
    ReservationObject z = new ReservationObject();
    try (Worker t1 = new Worker("t1");
        Worker t2 = new Worker("t2")) {
      // T2's context is older than T1's: T2 waits for T1's lock instead of backing off.
      WwAcquireContext older = t2.call(() -> new WwAcquireContext(ReservationObject.WW_CLASS));
      LockedReservations held = t1.call(() -> ReservationLocks.lockAll(List.of(y, x)));
      CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(x).acquireAsync();
      assertThat(grant).isNotDone();
      CountDownLatch callbackDone = new CountDownLatch(1);
      grant.thenAccept(
          set -> {
            try (LockedReservations locked = ReservationLocks.lockAll(List.of(z))) {
              assertThat(locked.objects()).containsExactly(z);
            } finally {
              set.release();
              callbackDone.countDown();
            }
          });
      t2.call(() -> z.lock(older));
      Future<Object> t2Work =
          t2.submit(
              () -> {
                y.lock(older);
                y.unlock();
                z.unlock();
                older.close();
                return null;
              });
      t2.awaitParkedOn(y.mutex());

      Future<Object> closing =
          t1.submit(
              () -> {
                held.close();
                return null;
              });

      closing.get(STEP_SECONDS, TimeUnit.SECONDS);
      t2Work.get(STEP_SECONDS, TimeUnit.SECONDS);
      assertThat(callbackDone.await(STEP_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** Records where the grant callback of {@code f} ran. */
  private static final class Probe {
    final AtomicReference<Thread> unlocking = new AtomicReference<>();
    final AtomicReference<String> problem = new AtomicReference<>();
    final CountDownLatch ran = new CountDownLatch(1);

    void watch(CompletableFuture<ResourceSet> f, ReservationObject... buffers) {
      f.whenComplete(
          (set, ex) -> {
            Thread me = Thread.currentThread();
            if (unlocking.get() == me) {
              problem.set("grant callback ran inside unlock on " + me.getName());
            }
            for (ReservationObject o : buffers) {
              if (o.mutex().isHeldByCurrentThread()) {
                problem.compareAndSet(null, "grant callback ran holding the lock of " + o);
              }
            }
            if (set != null) {
              set.release();
            }
            ran.countDown();
          });
    }

    void unlockWith(Runnable unlock) {
      unlocking.set(Thread.currentThread());
      try {
        unlock.run();
      } finally {
        unlocking.set(null);
      }
    }

    void assertRanOutside() throws InterruptedException {
      assertThat(ran.await(STEP_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(problem).hasValue(null);
    }
  }

  /** A grant made possible by ReservationObject.unlock() never runs inside that unlock. */
  @Test
  void unlock_grantWaitingForBuffer_callbackRunsOutsideUnlock() throws Exception {
    Probe probe = new Probe();
    a.lock();
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    probe.watch(f, a);

    probe.unlockWith(a::unlock);

    probe.assertRanOutside();
  }

  /** The same through the buffer's WwMutex directly. */
  @Test
  void mutexUnlock_grantWaitingForBuffer_callbackRunsOutsideUnlock() throws Exception {
    Probe probe = new Probe();
    a.mutex().lock();
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    probe.watch(f, a);

    probe.unlockWith(a.mutex()::unlock);

    probe.assertRanOutside();
  }

  /** LockedReservations.close() never runs a grant callback while it still holds other locks. */
  @Test
  void close_grantWaitingForFirstUnlockedBuffer_callbackRunsOutsideClose() throws Exception {
    Probe probe = new Probe();
    LockedReservations held = ReservationLocks.lockAll(List.of(b, a)); // close unlocks a first
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    probe.watch(f, a, b);

    probe.unlockWith(held::close);

    probe.assertRanOutside();
  }

  /**
   * A fence that a peek hook signals while an install holds buffer locks for this thread (here a
   * tryAcquire) grants the sets waiting on it only after those locks are released.
   */
  @Test
  void tryAcquire_peekSignalsFenceOthersWaitOn_theirCallbacksRunAfterLocksReleased()
      throws Exception {
    HookFence f = new HookFence();
    addWrite(a, f);
    addWrite(c, f);
    CompletableFuture<ResourceSet> waiter = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(waiter).isNotDone();
    Probe probe = new Probe();
    probe.watch(waiter, a, c);

    f.peekSays = true;
    ResourceSet onC = ResourceSet.request().exclusive(c).tryAcquire().orElseThrow();
    onC.release();

    probe.assertRanOutside();
  }

  /**
   * A fence signaled by a thread inside a ww transaction (locks taken by lockAll, not yet closed)
   * does not run the grant callbacks of the sets waiting on it in that thread while it holds them.
   */
  @Test
  void signal_byThreadHoldingLockAllLocks_grantCallbackRunsOutsideTransaction() throws Exception {
    Fence f = TestSupport.fence();
    addWrite(a, f);
    CompletableFuture<ResourceSet> waiter = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(waiter).isNotDone();
    Probe probe = new Probe();
    probe.watch(waiter, a, b);

    try (LockedReservations held = ReservationLocks.lockAll(List.of(b))) {
      probe.unlockWith(f::signal); // "inside" = on this thread while it holds b
      assertThat(held.objects()).containsExactly(b);
    }

    probe.assertRanOutside();
  }

  /** The same for a release by a thread inside a ww transaction. */
  @Test
  void release_byThreadHoldingLockAllLocks_grantCallbackRunsOutsideTransaction() throws Exception {
    ResourceSet holder = ResourceSet.request().exclusive(a).tryAcquire().orElseThrow();
    CompletableFuture<ResourceSet> waiter = ResourceSet.request().exclusive(a).acquireAsync();
    Probe probe = new Probe();
    probe.watch(waiter, a, b);

    try (LockedReservations held = ReservationLocks.lockAll(List.of(b))) {
      probe.unlockWith(holder::release);
      assertThat(held.objects()).containsExactly(b);
    }

    probe.assertRanOutside();
  }

  // --- item 2: a throwing fence hook never strands a request ---------------------------------

  /** A peek hook that throws during the install fails that request and frees the buffer. */
  @Test
  void acquireAsync_peekHookThrows_failsRequestWithoutStrandingIt() throws Exception {
    HookFence f = new HookFence();
    addWrite(a, f);
    f.peekThrows = true;

    CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(a).acquireAsync();

    assertThat(grant).isCompletedExceptionally();
    assertThatThrownBy(grant::get)
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("peek hook failed");
    f.peekThrows = false;
    f.signal();
    assertThat(ResourceSet.request().exclusive(a).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  /** An enable-signaling hook that throws while the set registers its wait fails the request. */
  @Test
  void acquireAsync_enableSignalingHookThrows_failsRequestWithoutStrandingIt() throws Exception {
    HookFence f = new HookFence();
    f.enableThrows = true;
    addWrite(a, f);

    CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(a).acquireAsync();

    assertThatThrownBy(() -> within(grant))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseMessage("enable hook failed");
    f.signal();
    assertThat(a.resourceQueue().queuedLinks()).isZero();
    assertThat(ResourceSet.request().exclusive(a).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  /** A hook that throws later, while the set is retried after a wait, fails it the same way. */
  @Test
  void acquireAsync_peekHookThrowsOnRetry_failsRequestWithoutStrandingIt() throws Exception {
    HookFence f = new HookFence();
    addWrite(a, f);
    Fence first = TestSupport.fence();
    addWrite(b, first);
    CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(b, a).acquireAsync();
    assertThat(grant).isNotDone(); // waits for "first" on b
    f.peekThrows = true;

    first.signal(); // retry: a's fence hook throws

    assertThatThrownBy(() -> within(grant)).hasRootCauseMessage("peek hook failed");
    f.peekThrows = false;
    f.signal();
    assertThat(ResourceSet.request().exclusive(a, b).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  /** acquire() rethrows the hook's exception and leaves nothing queued. */
  @Test
  void acquire_peekHookThrows_rethrowsAndLeavesNothingQueued() {
    HookFence f = new HookFence();
    addWrite(a, f);
    f.peekThrows = true;

    assertThatThrownBy(() -> ResourceSet.request().exclusive(a).acquire(TestSupport.LONG))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("peek hook failed");

    assertThat(a.resourceQueue().queuedLinks()).isZero();
  }

  /** A tryAcquire whose install throws leaves nothing queued behind. */
  @Test
  void tryAcquire_peekHookThrows_leavesNothingQueued() {
    HookFence f = new HookFence();
    addWrite(a, f);
    f.peekThrows = true;

    assertThatThrownBy(() -> ResourceSet.request().exclusive(b).shared(a).tryAcquire())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("peek hook failed");

    assertThat(a.resourceQueue().queuedLinks()).isZero();
    assertThat(b.resourceQueue().queuedLinks()).isZero();
  }

  /** ... and has no side effect on the buffers: no fence of the failed set is left on them. */
  @Test
  void tryAcquire_peekHookThrows_addsNoFence() {
    HookFence f = new HookFence();
    addWrite(a, f);
    f.peekThrows = true;

    assertThatThrownBy(() -> ResourceSet.request().exclusive(b).shared(a).tryAcquire())
        .isInstanceOf(IllegalStateException.class);

    f.peekThrows = false;
    assertThat(a.fences(Usage.BOOKKEEP)).containsExactly(f);
    assertThat(b.storedCount()).isZero();
    CompletableFuture<ResourceSet> later = ResourceSet.request().exclusive(b).acquireAsync();
    assertThat(later).isDone(); // nothing queued ahead of it on b
    later.join().release();
  }

  // --- no global lock ---------------------------------------------------------------------------

  /**
   * Requests on disjoint buffers do not contend: while another thread holds buffer a's queue lock
   * (as a placement or release on a does for a moment), requests and releases on b go through.
   */
  @Test
  void acquireAndRelease_otherBuffersQueueLocked_doNotWait() throws Exception {
    ResourceSet onA = ResourceSet.request().exclusive(a).tryAcquire().orElseThrow();
    try (Worker other = new Worker("holds-a-queue");
        Worker user = new Worker("uses-b-and-c")) {
      other.run(() -> a.resourceQueue().lock.lock());
      try {
        Future<Boolean> onB =
            user.submit(
                () -> {
                  ResourceSet s =
                      ResourceSet.request().exclusive(b).shared(c).tryAcquire().orElseThrow();
                  s.release();
                  ResourceSet t = ResourceSet.request().exclusive(b, c).acquireAsync().join();
                  t.release();
                  return true;
                });
        assertThat(onB.get(STEP_SECONDS, TimeUnit.SECONDS)).isTrue();
      } finally {
        other.run(() -> a.resourceQueue().lock.unlock());
      }
    }
    onA.release();
  }

  // --- item 5: a callback leaves a fence that no longer matters -------------------------------

  /**
   * A set waiting for a fence that is then replaced on its buffer follows the buffer: it waits for
   * the replacement, and is granted once that signals, even though the replaced one never does.
   */
  @Test
  void acquireAsync_waitedFenceReplacedOnBuffer_waitsForReplacementInstead() throws Exception {
    Fence old = TestSupport.fence();
    addWrite(a, old);
    CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(grant).isNotDone();
    Fence replacement = TestSupport.fence();

    a.lock();
    try {
      a.reserveFences(1);
      a.addExclusiveFence(replacement);
    } finally {
      a.unlock();
    }
    replacement.signal();

    within(grant).release();
    assertThat(old.isSignaled()).isFalse();
  }

  /**
   * Once the set no longer waits for the replaced fence, that fence no longer holds the set: the
   * set is collectable after its release while the old fence is still pending and reachable.
   */
  @Test
  void acquireAsync_waitedFenceReplacedOnBuffer_oldFenceKeepsNoCallback() throws Exception {
    Fence old = TestSupport.fence();
    addWrite(a, old);
    WeakReference<ResourceSet> set = grantAfterReplacing(old);

    await()
        .atMost(TestSupport.LONG)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              System.gc();
              return set.get() == null;
            });
    assertThat(old.isSignaled()).isFalse(); // still pending, still referenced here
  }

  private WeakReference<ResourceSet> grantAfterReplacing(Fence old) throws Exception {
    CompletableFuture<ResourceSet> grant = ResourceSet.request().exclusive(a).acquireAsync();
    Fence replacement = TestSupport.fence();
    a.lock();
    try {
      a.reserveFences(1);
      a.addExclusiveFence(replacement);
    } finally {
      a.unlock();
    }
    ResourceSet pending = ResourceSet.setOfForTest(grant);
    await().atMost(TestSupport.LONG).until(() -> pending.waitedFenceForTest() == replacement);
    replacement.signal();
    ResourceSet s = within(grant);
    s.release();
    return new WeakReference<>(s);
  }
}
