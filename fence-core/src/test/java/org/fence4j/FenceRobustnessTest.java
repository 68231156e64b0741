package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing can wedge a fence: errors thrown mid-signal, throwing enable hooks, slow and blocking
 * callbacks; waiters always wake before callbacks; repeated calls do not grow memory.
 */
class FenceRobustnessTest {
  /** A bound that a correct test never reaches. */
  private static final Duration LONG = Duration.ofSeconds(10);

  /** The waiters' own timeout: beyond LONG, so a waiter that times out cannot pass for woken. */
  private static final Duration WAITER_TIMEOUT = Duration.ofSeconds(60);

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  @AfterEach
  void restoreHandler() {
    Fence.setCallbackExceptionHandler(null);
  }

  /** Waits until {@code thread} is parked (in a timed or untimed wait). */
  private static void awaitParked(Thread thread) {
    Awaitility.await()
        .atMost(LONG)
        .until(
            () ->
                thread.getState() == Thread.State.TIMED_WAITING
                    || thread.getState() == Thread.State.WAITING);
  }

  // -------------------------------------------------------------------------------------------
  // Item: an Error thrown inside signal() never wedges a fence

  /** State shared by the frames of one deep recursion. */
  private static final class Unwind {
    final Fence[] fences;
    final AtomicInteger[] runs;
    int next;

    Unwind(FenceContext ctx, int n) {
      fences = new Fence[n];
      runs = new AtomicInteger[n];
      for (int i = 0; i < n; i++) {
        fences[i] = ctx.next();
        AtomicInteger r = runs[i] = new AtomicInteger();
        fences[i].addCallback(f -> r.incrementAndGet());
      }
      // A cascade: each fence's callback signals the next one, to exercise the dispatcher's queue
      // near the stack limit too.
      for (int i = 0; i + 1 < n; i++) {
        Fence nextFence = fences[i + 1];
        fences[i].addCallback(f -> nextFence.signal());
      }
    }

    /** Recurses until the stack overflows, then signals one fence per frame while unwinding. */
    void recurse() {
      try {
        recurse();
      } catch (StackOverflowError e) {
        // the deepest frame: fall through and start signaling on the way up
      }
      int k = next++;
      if (k < fences.length) {
        try {
          fences[k].signal();
        } catch (StackOverflowError e) {
          // expected near the limit; the fence must still be signaled or signalable
        }
      }
    }
  }

  /**
   * Fences signaled while the stack unwinds from a StackOverflowError are each signaled or still
   * signalable, and no operation on them from another thread blocks.
   */
  @Test
  void signal_stackOverflowWhileUnwinding_leavesFencesSignaledOrSignalable() throws Exception {
    for (int round = 0; round < 10; round++) {
      Unwind unwind = new Unwind(ctx, 3000);
      try (Spawned<Void> deep =
          Spawned.startWithStack(
              "deep",
              256 * 1024,
              () -> {
                unwind.recurse();
                return null;
              })) {
        deep.join();
      }
      try (Spawned<Void> checker =
          Spawned.start(
              "checker",
              () -> {
                for (Fence f : unwind.fences) {
                  f.signal(); // true if it was still signalable, false if signaled: never blocks
                  assertThat(f.isSignaled()).isTrue();
                  assertThat(f.await(Duration.ofMillis(1))).isTrue();
                  assertThat(f.addCallback(g -> {})).isFalse();
                  assertThat(f.removeCallback(g -> {})).isFalse();
                  assertThat(f.status()).isEqualTo(1);
                  f.timestampNanos();
                }
                return null;
              })) {
        checker.join();
      }
      for (AtomicInteger r : unwind.runs) {
        assertThat(r.get()).isLessThanOrEqualTo(1);
      }
    }
  }

  /**
   * After an Error escaped a dispatch near the stack limit, a later signal on the same thread runs
   * only its own callbacks: nothing left queued by the failed dispatch runs inside it.
   */
  @Test
  void dispatch_afterStackOverflow_laterSignalRunsOnlyItsOwnCallbacks() throws Exception {
    for (int round = 0; round < 10; round++) {
      Unwind unwind = new Unwind(ctx, 3000);
      AtomicBoolean later = new AtomicBoolean();
      AtomicInteger strays = new AtomicInteger();
      AtomicReference<Thread> deepThread = new AtomicReference<>();
      for (Fence f : unwind.fences) {
        f.addCallback(
            g -> {
              if (later.get() && Thread.currentThread() == deepThread.get()) {
                strays.incrementAndGet();
              }
            });
      }
      try (Spawned<Void> deep =
          Spawned.startWithStack(
              "deep",
              256 * 1024,
              () -> {
                deepThread.set(Thread.currentThread());
                unwind.recurse();
                later.set(true);
                Fence unrelated = ctx.next();
                unrelated.addCallback(g -> {});
                unrelated.signal();
                return null;
              })) {
        deep.join();
      }
      assertThat(strays).hasValue(0);
    }
  }

  /**
   * The first signals with callbacks of a JVM, made near the stack limit, do not leave a class of
   * the signal path unusable: a signal at a normal depth afterwards still runs its callback. Runs
   * in a child JVM, where nothing has signaled before.
   */
  @Test
  void signal_firstSignalsOfJvmNearStackLimit_libraryStaysUsable() throws Exception {
    ChildJvm.Result child = ChildJvm.run(StackLimitChild.class, "-Xss512k");
    assertThat(child.output().trim()).endsWith("ok");
  }

  /** A timed wait on a fence returns by its deadline while another thread signals it. */
  @Test
  void await_timedWhileOtherThreadSignals_returnsByDeadline() throws Exception {
    for (int i = 0; i < 2000; i++) {
      Fence fence = ctx.next();
      try (Spawned<Boolean> signaler = Spawned.start("signaler", fence::signal)) {
        fence.await(Duration.ofMillis(100));
        assertThat(signaler.join()).isTrue();
        assertThat(fence.await(Duration.ZERO)).isTrue();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Item: every waiter wakes before any callback runs

  /**
   * Signals {@code fence} in a thread whose first callback blocks until released, and checks that
   * {@code waiter} (started and parked before the signal) returns while that callback still blocks.
   */
  private void assertWaiterNotBehindBlockingCallback(Fence fence, Waiting waiter) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch callbackStarted = new CountDownLatch(1);
    fence.addCallback(
        f -> {
          callbackStarted.countDown();
          try {
            release.await(LONG.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    try (Spawned<Boolean> waiting = Spawned.start("waiter", waiter::await);
        Spawned<Void> signaler = Spawned.start("signaler", () -> awaitParkedThenSignal(fence))) {
      awaitParked(waiting.thread());
      signaler.thread().interrupt(); // go: see awaitParkedThenSignal
      assertThat(callbackStarted.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(waiting.join(LONG)).isTrue(); // while the callback still blocks
      assertThat(release.getCount()).isEqualTo(1);
      release.countDown();
      signaler.join();
    }
  }

  /** A blocking wait under test; true when it saw its fences signaled. */
  @FunctionalInterface
  private interface Waiting {
    boolean await() throws Exception;
  }

  /**
   * {@code fence.await(LONG)} for a callback, which cannot throw InterruptedException: on an
   * interrupt it restores the flag and returns null.
   */
  private static @Nullable Boolean awaitInCallback(Fence fence) {
    try {
      return fence.await(LONG);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Parks until interrupted, then signals {@code fence}. */
  private static Void awaitParkedThenSignal(Fence fence) {
    while (!Thread.interrupted()) {
      LockSupport.park();
    }
    fence.signal();
    return null;
  }

  /** waitAny wakes before a blocking callback registered earlier has returned. */
  @Test
  void waitAny_callbackRegisteredEarlierBlocks_waiterWakesFirst() throws Exception {
    Fence fence = ctx.next();
    Fence other = ctx.next();
    assertWaiterNotBehindBlockingCallback(
        fence, () -> Fences.waitAny(List.of(other, fence), WAITER_TIMEOUT) == 1);
  }

  /** waitAll wakes before a blocking callback registered earlier has returned. */
  @Test
  void waitAll_callbackRegisteredEarlierBlocks_waiterWakesFirst() throws Exception {
    Fence fence = ctx.next();
    assertWaiterNotBehindBlockingCallback(
        fence, () -> Fences.waitAll(List.of(fence), WAITER_TIMEOUT));
  }

  /** A wait on an array wakes before a blocking callback of its member has returned. */
  @Test
  void fenceArrayAwait_memberCallbackBlocks_waiterWakesFirst() throws Exception {
    Fence fence = ctx.next();
    FenceArray array = FenceArray.all(List.of(fence));
    assertWaiterNotBehindBlockingCallback(fence, () -> array.await(WAITER_TIMEOUT));
  }

  /** A wait on an any-array wakes before a blocking callback of its member has returned. */
  @Test
  void fenceArrayAnyAwait_memberCallbackBlocks_waiterWakesFirst() throws Exception {
    Fence fence = ctx.next();
    FenceArray array = FenceArray.any(List.of(ctx.next(), fence));
    assertWaiterNotBehindBlockingCallback(fence, () -> array.await(WAITER_TIMEOUT));
  }

  /** A wait on a chain link wakes before a blocking callback of its fence has returned. */
  @Test
  void fenceChainAwait_fenceCallbackBlocks_waiterWakesFirst() throws Exception {
    Fence first = ctx.next();
    Fence fence = ctx.next();
    first.signal();
    FenceChain head = FenceChain.create(FenceChain.create(null, first, 1), fence, 2);
    assertWaiterNotBehindBlockingCallback(fence, () -> head.await(WAITER_TIMEOUT));
  }

  // -------------------------------------------------------------------------------------------
  // Item: a callback that blocks never deadlocks on the library

  /** A callback waiting for a fence that a later callback of the same signal signals returns. */
  @Test
  void callbackAwait_fenceSignaledByLaterCallbackOfSameSignal_returnsTrue() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    AtomicReference<Boolean> awaited = new AtomicReference<>();
    a.addCallback(f -> awaited.set(awaitInCallback(b)));
    a.addCallback(f -> b.signal());
    a.signal();
    assertThat(awaited.get()).isTrue();
  }

  /**
   * The deadlock: a callback holding a lock waits for a fence that a callback queued behind
   * it signals after taking the same lock on another thread's behalf; the queued callback must go
   * on elsewhere, and never run inside the wait.
   */
  @Test
  void callbackAwait_queuedCallbacksRunElsewhereNeverInsideTheWait() throws Exception {
    Fence a = ctx.next();
    Fence x = ctx.next();
    Fence b = ctx.next();
    AtomicBoolean inWait = new AtomicBoolean();
    AtomicReference<Thread> waitingThread = new AtomicReference<>();
    AtomicInteger ranInsideWait = new AtomicInteger();
    AtomicReference<Boolean> awaited = new AtomicReference<>();
    x.addCallback(
        f -> {
          if (inWait.get() && Thread.currentThread() == waitingThread.get()) {
            ranInsideWait.incrementAndGet();
          }
          b.signal();
        });
    a.addCallback(
        f -> {
          x.signal(); // nested: x's callback is queued behind this one
          waitingThread.set(Thread.currentThread());
          inWait.set(true);
          try {
            awaited.set(awaitInCallback(b));
          } finally {
            inWait.set(false);
          }
        });
    a.signal();
    assertThat(awaited.get()).isTrue();
    assertThat(ranInsideWait).hasValue(0);
  }

  /** The lock scenario: callback 1 holds a lock and waits; callback 2 needs the lock. */
  @Test
  void callbackAwait_holdingLockNeededByQueuedCallback_completes() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    ReentrantLock lock = new ReentrantLock();
    AtomicReference<Boolean> awaited = new AtomicReference<>();
    AtomicBoolean secondRan = new AtomicBoolean();
    Fence c = ctx.next();
    c.addCallback(f -> b.signal()); // queued behind callback 1 once a's first callback signals c
    c.addCallback(
        f -> {
          // must not run on the thread that holds the lock in the middle of its wait
          if (lock.isHeldByCurrentThread()) {
            throw new AssertionError("ran inside the waiting callback");
          }
          lock.lock();
          try {
            secondRan.set(true);
          } finally {
            lock.unlock();
          }
        });
    a.addCallback(
        f -> {
          lock.lock();
          try {
            c.signal();
            awaited.set(awaitInCallback(b));
          } finally {
            lock.unlock();
          }
        });
    try (Spawned<Boolean> signaler = Spawned.start("signaler", a::signal)) {
      assertThat(signaler.join()).isTrue();
    }
    assertThat(awaited.get()).isTrue();
    assertThat(secondRan).isTrue();
  }

  /** A callback awaiting an (armed) array whose member it has just signaled does not deadlock. */
  @Test
  void callbackAwait_arrayItJustCausedToSignal_returnsTrue() throws Exception {
    Fence member = ctx.next();
    FenceArray array = FenceArray.all(List.of(member));
    array.enableSignaling(); // armed: the member's signal now queues the array's count
    assertThat(awaitInCallbackAfterSignaling(member, array)).isTrue();
  }

  /** A callback awaiting a chain link whose fence it has just signaled does not deadlock. */
  @Test
  void callbackAwait_chainItJustCausedToSignal_returnsTrue() throws Exception {
    Fence fence = ctx.next();
    FenceChain link = FenceChain.create(null, fence, 1);
    link.enableSignaling();
    assertThat(awaitInCallbackAfterSignaling(fence, link)).isTrue();
  }

  /**
   * Signals a fresh fence whose callback signals {@code cause} and then awaits {@code target}
   * (bounded by {@link #LONG}); returns what that await returned (null if it was interrupted).
   */
  private @Nullable Boolean awaitInCallbackAfterSignaling(Fence cause, Fence target) {
    Fence trigger = ctx.next();
    AtomicReference<Boolean> awaited = new AtomicReference<>();
    trigger.addCallback(
        f -> {
          cause.signal();
          awaited.set(awaitInCallback(target));
        });
    trigger.signal();
    return awaited.get();
  }

  /**
   * When callbacks were handed off because one of them waited, the outermost signal() still returns
   * only after every callback registered before it has run.
   */
  @Test
  void signal_callbacksHandedOff_allRanWhenOutermostSignalReturns() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    List<String> ran = new CopyOnWriteArrayList<>();
    a.addCallback(
        f -> {
          awaitInCallback(b);
          ran.add("waiter");
        });
    a.addCallback(f -> b.signal());
    for (int i = 0; i < 3; i++) {
      String name = "slow" + i;
      a.addCallback(
          f -> {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // widen the window only
            ran.add(name);
          });
    }
    a.signal();
    assertThat(ran).containsExactlyInAnyOrder("waiter", "slow0", "slow1", "slow2");
  }

  /**
   * Waiting for handed-off callbacks never deadlocks: a handed-off callback that needs a lock the
   * signaling thread holds (which inline it would have re-entered) runs once the signal returned
   * and the lock was released.
   */
  @Test
  void signal_handedOffCallbackNeedsLockSignalerHolds_signalReturnsAndCallbackRunsOnce()
      throws Exception {
    ReentrantLock lock = new ReentrantLock();
    AtomicInteger lockerRuns = new AtomicInteger();
    // Warm-up without the lock held: the first wait on a fresh JVM can be slow enough for the
    // callback behind it to be taken by the stall monitor before the wait hands it off.
    handOffScenario(lock, lockerRuns).signal();
    Fence a = handOffScenario(lock, lockerRuns);
    assertThat(Signaler.signalHolding(lock, a)).isTrue();
    Awaitility.await().atMost(LONG).until(() -> lockerRuns.get() == 2);
    assertThat(lockerRuns).hasValue(2);
  }

  /** A fence whose first callback waits (handing the second off), the second takes the lock. */
  private Fence handOffScenario(ReentrantLock lock, AtomicInteger lockerRuns) {
    Fence a = ctx.next();
    Fence b = ctx.next();
    a.addCallback(
        f -> {
          awaitInCallback(b); // hands the next callback off, which signals b
        });
    a.addCallback(
        f -> {
          b.signal();
          lock.lock();
          try {
            lockerRuns.incrementAndGet();
          } finally {
            lock.unlock();
          }
        });
    return a;
  }

  /**
   * Hand-offs keep each fence's callbacks in registration order (checked among those that ran on
   * one thread: on a loaded machine the stall monitor may move work off a descheduled relay too).
   */
  @Test
  void signal_callbacksHandedOff_keepRegistrationOrder() throws Exception {
    Fence a = ctx.next();
    Fence b = ctx.next();
    CallbackRuns runs = new CallbackRuns(50);
    a.addCallback(f -> awaitInCallback(b));
    a.addCallback(f -> b.signal());
    for (int i = 0; i < 50; i++) {
      a.addCallback(runs.callback(i));
    }
    a.signal();
    assertThat(runs.notRunExactlyOnce()).isEmpty();
    assertThat(runs.outOfOrderOnOneThread(0, 50)).isEmpty();
  }

  // -------------------------------------------------------------------------------------------
  // Item: a throwing enable hook fails the fence, and nothing hangs

  /**
   * A hook that throws fails the fence with EIO and the exception as cause, then the exception
   * reaches the caller.
   */
  @Test
  void enableSignaling_hookThrows_fenceFailsWithEioAndCallerGetsException() {
    TestFence fence = new TestFence();
    IllegalStateException boom = new IllegalStateException("driver bug");
    fence.onEnable =
        f -> {
          throw boom;
        };
    assertThatThrownBy(fence::enableSignaling).isSameAs(boom);
    assertThat(fence.error()).contains(FenceError.EIO);
    assertThat(fence.cause()).containsSame(boom);
  }

  /**
   * addCallback and await that trigger a throwing hook rethrow its exception, and the fence is
   * failed: later calls see an ordinary failed fence and nothing hangs.
   */
  @Test
  void addCallbackAndAwait_hookThrows_rethrowAndLeaveFailedFence() throws Exception {
    TestFence viaCallback = new TestFence();
    TestFence viaAwait = new TestFence();
    viaCallback.onEnable =
        f -> {
          throw new IllegalStateException("callback");
        };
    viaAwait.onEnable =
        f -> {
          throw new IllegalStateException("await");
        };
    assertThatThrownBy(() -> viaCallback.addCallback(f -> {})).hasMessage("callback");
    assertThatThrownBy(() -> viaAwait.await(LONG)).hasMessage("await");
    assertThat(viaCallback.addCallback(f -> {})).isFalse();
    assertThat(viaAwait.await(LONG)).isTrue();
    assertThat(viaAwait.status()).isEqualTo(FenceError.EIO.code());
    assertThat(viaCallback.enableCalls).hasValue(1);
  }

  /** toCompletableFuture on a fence whose hook throws returns a future failed with that cause. */
  @Test
  void toCompletableFuture_hookThrows_futureFailsWithCause() {
    TestFence fence = new TestFence();
    IllegalStateException boom = new IllegalStateException("driver bug");
    fence.onEnable =
        f -> {
          throw boom;
        };
    CompletableFuture<Fence> future = fence.toCompletableFuture();
    assertThat(future).isCompletedExceptionally();
    assertThatThrownBy(future::join).rootCause().isSameAs(boom);
  }

  /** An array holding a fence whose hook throws arms every member and signals once they have. */
  @Test
  void fenceArray_memberHookThrows_armsAllMembersAndSignals() throws Exception {
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    Fence.setCallbackExceptionHandler((t, e) -> reported.add(e));
    TestFence bad = new TestFence();
    bad.onEnable =
        f -> {
          throw new IllegalStateException();
        };
    TestFence good1 = new TestFence();
    TestFence good2 = new TestFence();
    FenceArray array = FenceArray.all(List.of(good1, bad, good2));
    assertThat(array.await(Duration.ZERO)).isFalse();
    assertThat(good1.enableCalls).hasValue(1);
    assertThat(good2.enableCalls).hasValue(1);
    good1.signal();
    good2.signal();
    assertThat(array.await(LONG)).isTrue();
    assertThat(array.error()).contains(FenceError.EIO);
    assertThat(reported).hasSize(1); // the array handled it: reported, not thrown at its waiter
  }

  /** A chain over a fence whose hook throws keeps re-arming and signals. */
  @Test
  void fenceChain_fenceHookThrows_keepsArmingAndSignals() throws Exception {
    Fence.setCallbackExceptionHandler((t, e) -> {});
    TestFence bad = new TestFence();
    bad.onEnable =
        f -> {
          throw new IllegalStateException();
        };
    Fence good = ctx.next();
    FenceChain link1 = FenceChain.create(null, bad, 1);
    FenceChain link2 = FenceChain.create(link1, good, 2);
    assertThat(link2.await(Duration.ZERO)).isFalse();
    good.signal();
    assertThat(link2.await(LONG)).isTrue();
    assertThat(link2.error()).contains(FenceError.EIO);
  }

  // -------------------------------------------------------------------------------------------
  // Item: repeated setError does not grow memory

  /** A million setError calls on a pending fence keep one error entry; the last one wins. */
  @Test
  void setError_repeatedOnPendingFence_keepsOneEntry() {
    Fence fence = ctx.next();
    fence.addCallback(f -> {});
    int before = Registrations.entries(fence);
    for (int i = 0; i < 1_000_000; i++) {
      fence.setError(i % 2 == 0 ? FenceError.EIO : FenceError.ETIME);
    }
    assertThat(Registrations.entries(fence)).isEqualTo(before + 1);
    fence.signal();
    assertThat(fence.error()).contains(FenceError.ETIME);
  }

  // -------------------------------------------------------------------------------------------
  // Item: removeCallback's answer matches its contract inside a cascade

  /**
   * Inside a cascade, removeCallback on a signaled fence whose callback is queued but has not run
   * returns false, and the callback still runs exactly once (a signaled fence's registrations are
   * committed).
   */
  @Test
  void removeCallback_queuedInCascade_returnsFalseAndCallbackRunsOnce() {
    Fence a = ctx.next();
    Fence b = ctx.next();
    AtomicInteger runs = new AtomicInteger();
    FenceCallback queued = f -> runs.incrementAndGet();
    b.addCallback(queued);
    AtomicReference<Boolean> removed = new AtomicReference<>();
    a.addCallback(
        f -> {
          b.signal(); // nested: b's callback is queued, not run
          removed.set(b.removeCallback(queued));
          assertThat(runs).hasValue(0);
        });
    a.signal();
    assertThat(removed.get()).isFalse();
    assertThat(runs).hasValue(1);
  }

  // -------------------------------------------------------------------------------------------
  // Item: waitAll enables every fence up front

  /** waitAll runs every fence's enable hook before it waits, not one fence at a time. */
  @Test
  void waitAll_severalPendingFences_enablesAllUpFront() throws Exception {
    TestFence first = new TestFence();
    TestFence second = new TestFence();
    TestFence third = new TestFence();
    assertThat(Fences.waitAll(List.of(first, second, third), Duration.ofMillis(5))).isFalse();
    assertThat(first.enableCalls).hasValue(1);
    assertThat(second.enableCalls).hasValue(1);
    assertThat(third.enableCalls).hasValue(1);
  }
}
