package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.fence;
import static org.fence4j.reservation.TestSupport.get;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fence4j.Fence;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.Worker;
import org.junit.jupiter.api.Test;

/** ResourceSet: queueing, cancellation, callbacks and interplay with fence producers. */
class ResourceSetTest {
  private final ReservationObject a = new ReservationObject();
  private final ReservationObject b = new ReservationObject();

  private static ResourceSet now(ResourceSet.Request r) throws Exception {
    return r.acquire(TestSupport.LONG);
  }

  // --- basic grants
  // -------------------------------------------------------------------------------

  /** A request on free buffers is granted before acquireAsync returns. */
  @Test
  void acquireAsync_freeBuffers_completesBeforeReturning() throws Exception {
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).shared(b).acquireAsync();
    assertThat(f).isDone();
    ResourceSet set = f.get();
    assertThat(set.isGranted()).isTrue();
    set.release();
    assertThat(set.isGranted()).isFalse();
  }

  /** A granted set's fence is on its buffers: WRITE on exclusive ones, READ on shared ones. */
  @Test
  void acquire_granted_addsItsFenceWithUsagePerMode() throws Exception {
    ResourceSet set = now(ResourceSet.request().exclusive(a).shared(b));
    assertThat(a.fences(Usage.WRITE)).containsExactly(set.fence());
    assertThat(b.fences(Usage.WRITE)).isEmpty();
    assertThat(b.fences(Usage.READ)).containsExactly(set.fence());
    set.release();
    assertThat(set.fence().isSignaled()).isTrue();
    assertThat(a.testSignaled(Usage.BOOKKEEP)).isTrue();
  }

  /** Exclusive requests on one buffer are granted one at a time, in FIFO order. */
  @Test
  void acquireAsync_exclusiveRequests_grantedInFifoOrder() throws Exception {
    ResourceSet first = now(ResourceSet.request().exclusive(a));
    CompletableFuture<ResourceSet> second = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> third = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(second).isNotDone();
    assertThat(third).isNotDone();

    first.release();
    assertThat(second).isDone();
    assertThat(third).isNotDone();

    second.get().release();
    assertThat(third).isDone();
    third.get().release();
  }

  /** Shared requests run together. */
  @Test
  void acquire_sharedRequests_grantedTogether() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    ResourceSet s2 = now(ResourceSet.request().shared(a));
    assertThat(s1.isGranted()).isTrue();
    assertThat(s2.isGranted()).isTrue();
    s1.release();
    s2.release();
  }

  /** An exclusive request waits for every shared holder. */
  @Test
  void acquireAsync_exclusiveBehindSharedHolders_waitsForAll() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    ResourceSet s2 = now(ResourceSet.request().shared(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    s1.release();
    assertThat(x).isNotDone();
    s2.release();
    assertThat(x).isDone();
    x.get().release();
  }

  /** A shared request never overtakes a queued exclusive one. */
  @Test
  void acquireAsync_sharedBehindQueuedExclusive_doesNotOvertake() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> s2 = ResourceSet.request().shared(a).acquireAsync();
    assertThat(s2).isNotDone();

    s1.release();
    assertThat(x).isDone();
    assertThat(s2).isNotDone();
    x.get().release();
    assertThat(s2).isDone();
    s2.get().release();
  }

  /** A request on several buffers is granted only when it may proceed on all of them. */
  @Test
  void acquireAsync_severalBuffers_grantedWhenAllAvailable() throws Exception {
    ResourceSet holdA = now(ResourceSet.request().exclusive(a));
    ResourceSet holdB = now(ResourceSet.request().shared(b));
    CompletableFuture<ResourceSet> both = ResourceSet.request().exclusive(a, b).acquireAsync();
    holdA.release();
    assertThat(both).isNotDone();
    holdB.release();
    assertThat(both).isDone();
    both.get().release();
  }

  /** A buffer named both shared and exclusive is requested exclusively; duplicates are fine. */
  @Test
  void request_bufferNamedTwice_isExclusive() throws Exception {
    ResourceSet set = now(ResourceSet.request().shared(a).exclusive(a, a).shared(a));
    assertThat(a.fences(Usage.WRITE)).containsExactly(set.fence());
    assertThat(ResourceSet.request().shared(a).tryAcquire()).isEmpty();
    set.release();
  }

  /** A request acquired, then changed, names the new buffers and modes in its next set. */
  @Test
  void request_changedAfterAcquire_nextSetHasTheChanges() throws Exception {
    ResourceSet.Request request = ResourceSet.request().shared(a);
    now(request).release();

    request.exclusive(a, b);
    ResourceSet set = now(request);

    assertThat(a.fences(Usage.WRITE)).containsExactly(set.fence());
    assertThat(b.fences(Usage.WRITE)).containsExactly(set.fence());
    set.release();
  }

  // --- cancellation
  // -------------------------------------------------------------------------------

  /**
   * The example: S1 holds shared; X, S2, X2 queue; cancelling X grants S2 at once beside
   * S1, and X2 waits for both S1 and S2.
   */
  @Test
  void cancel_queuedExclusiveBetweenShared_behavesAsIfNeverMade() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> s2 = ResourceSet.request().shared(a).acquireAsync();
    CompletableFuture<ResourceSet> x2 = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(s2).isNotDone();

    assertThat(x.cancel(false)).isTrue();

    assertThat(s2).isDone(); // never later
    assertThat(s2.get().isGranted()).isTrue();
    assertThat(s1.isGranted()).isTrue();
    assertThat(x2).isNotDone(); // never earlier
    s1.release();
    assertThat(x2).isNotDone();
    s2.get().release();
    assertThat(x2).isDone();
    x2.get().release();
  }

  /** A cancelled request in the middle of a queue never strands the requests behind it. */
  @Test
  void cancel_queuedExclusiveAtHeadOfWaiters_grantsNextExclusiveAfterHolder() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a));
    CompletableFuture<ResourceSet> x1 = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> x2 = ResourceSet.request().exclusive(a).acquireAsync();
    x1.cancel(true);
    assertThat(x2).isNotDone();
    holder.release();
    assertThat(x2).isDone();
    x2.get().release();
  }

  /** Completing the future exceptionally before the grant cancels the request too. */
  @Test
  void completeExceptionally_beforeGrant_cancelsRequest() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> s2 = ResourceSet.request().shared(a).acquireAsync();
    x.completeExceptionally(new IllegalStateException("gave up"));
    assertThat(s2).isDone();
    s1.release();
    s2.get().release();
  }

  /** Cancelling a future derived from the grant future does not cancel the request. */
  @Test
  void cancel_derivedFuture_doesNotCancelRequest() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    CompletableFuture<ResourceSet> derived = x.thenApply(s -> s);
    derived.cancel(false);
    holder.release();
    assertThat(x).isDone();
    x.get().release();
  }

  /** A timed-out acquire cancels its request as if it had never been made. */
  @Test
  void acquire_timeout_cancelsRequest() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    ResourceSet.Request exclusive = ResourceSet.request().exclusive(a);
    try (Worker w = new Worker("x")) {
      Future<ResourceSet> x = w.submit(() -> exclusive.acquire(Duration.ofMillis(30)));
      assertThatThrownBy(() -> get(x))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TimeoutException.class);
    }
    ResourceSet s2 = ResourceSet.request().shared(a).tryAcquire().orElseThrow();
    s1.release();
    s2.release();
  }

  /** A zero timeout grants what is available now and fails otherwise, leaving no trace. */
  @Test
  void acquire_zeroTimeout_pollsWithoutTrace() throws Exception {
    ResourceSet s1 = ResourceSet.request().shared(a).acquire(Duration.ZERO);
    assertThatThrownBy(() -> ResourceSet.request().exclusive(a).acquire(0, TimeUnit.SECONDS))
        .isInstanceOf(TimeoutException.class)
        .hasMessageContaining("Waited");
    ResourceSet s2 = ResourceSet.request().shared(a).acquire(Duration.ZERO);
    s1.release();
    s2.release();
  }

  /** An interrupted acquire cancels its request as if it had never been made. */
  @Test
  void acquire_interruptedWhileWaiting_cancelsRequest() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    ResourceSet.Request exclusive = ResourceSet.request().exclusive(a);
    try (Worker w = new Worker("x")) {
      Future<ResourceSet> x = w.submit(() -> exclusive.acquire(TestSupport.LONG));
      w.awaitParkedInFuture();
      CompletableFuture<ResourceSet> s2 = ResourceSet.request().shared(a).acquireAsync();
      assertThat(s2).isNotDone();

      w.thread.interrupt();

      assertThatThrownBy(() -> get(x)).hasCauseInstanceOf(InterruptedException.class);
      assertThat(s2).isDone();
      s2.get().release();
    }
    s1.release();
  }

  /** An acquire with the interrupt flag already set throws before queueing anything. */
  @Test
  void acquire_alreadyInterrupted_throwsWithoutQueueing() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> ResourceSet.request().exclusive(a).acquire(TestSupport.LONG))
        .isInstanceOf(InterruptedException.class);
    assertThat(ResourceSet.request().exclusive(a).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  // --- tryAcquire
  // ----------------------------------------------------------------------------------

  /** tryAcquire grants free buffers at once. */
  @Test
  void tryAcquire_freeBuffers_grants() {
    Optional<ResourceSet> set = ResourceSet.request().exclusive(a).shared(b).tryAcquire();
    assertThat(set).isPresent();
    assertThat(set.get().isGranted()).isTrue();
    set.get().release();
  }

  /** A failed tryAcquire leaves no trace: a later shared request is not held behind it. */
  @Test
  void tryAcquire_busy_failsWithoutSideEffect() throws Exception {
    ResourceSet s1 = now(ResourceSet.request().shared(a));
    assertThat(ResourceSet.request().exclusive(a).tryAcquire()).isEmpty();
    assertThat(a.fences(Usage.BOOKKEEP)).containsExactly(s1.fence());
    CompletableFuture<ResourceSet> s2 = ResourceSet.request().shared(a).acquireAsync();
    assertThat(s2).isDone();
    s1.release();
    s2.get().release();
  }

  /** tryAcquire fails while a fence the access must follow is pending. */
  @Test
  void tryAcquire_pendingWriteFence_fails() {
    Fence w = fence();
    a.lock();
    a.reserveFences(1);
    a.addFence(w, Usage.WRITE);
    a.unlock();
    assertThat(ResourceSet.request().shared(a).tryAcquire()).isEmpty();
    w.signal();
    ResourceSet set = ResourceSet.request().shared(a).tryAcquire().orElseThrow();
    set.release();
  }

  // --- deadlock freedom
  // ---------------------------------------------------------------------------

  /** Two threads asking for {A, B} and {B, A} exclusively in a loop never deadlock or overlap. */
  @Test
  void acquire_oppositeOrdersInLoop_neverDeadlocksOrOverlaps() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (ReservationObject[] order :
          new ReservationObject[][] {new ReservationObject[] {a, b}, {b, a}}) {
        results.add(
            pool.submit(
                () -> {
                  int rounds = 0;
                  while (System.nanoTime() < end) {
                    try (ResourceSet set =
                        ResourceSet.request().exclusive(order).acquire(Duration.ofSeconds(5))) {
                      if (inside.incrementAndGet() != 1) {
                        throw new AssertionError("two exclusive holders at once");
                      }
                      Thread.onSpinWait();
                      inside.decrementAndGet();
                    }
                    rounds++;
                  }
                  return rounds;
                }));
      }
      for (Future<Integer> r : results) {
        assertThat(r.get(20, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  // --- callbacks and release
  // ----------------------------------------------------------------------

  /** The async grant completes exactly once, with no library or buffer lock held. */
  @Test
  void acquireAsync_grantCallback_runsOnceOutsideLocks() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a, b));
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<String> problem = new AtomicReference<>();
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).shared(b).acquireAsync();
    f.whenComplete(
        (set, ex) -> {
          calls.incrementAndGet();
          if (a.resourceQueue().lock.isHeldByCurrentThread()
              || b.resourceQueue().lock.isHeldByCurrentThread()
              || a.mutex().isHeldByCurrentThread()
              || b.mutex().isHeldByCurrentThread()) {
            problem.set("callback ran under a lock");
          }
        });

    holder.release();
    f.get().release();
    holder.release();

    assertThat(calls).hasValue(1);
    assertThat(problem).hasValue(null);
  }

  /** A grant callback may release its own set; the next request is then granted. */
  @Test
  void release_insideGrantCallback_grantsNextRequest() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    x.thenAccept(ResourceSet::release);
    CompletableFuture<ResourceSet> next = ResourceSet.request().exclusive(a).acquireAsync();

    holder.release();

    assertThat(x).isDone();
    assertThat(x.get().isGranted()).isFalse();
    assertThat(next).isDone();
    next.get().release();
  }

  /** A grant callback may release other sets; their waiters are then granted. */
  @Test
  void release_otherSetInsideGrantCallback_grantsItsWaiter() throws Exception {
    ResourceSet holdA = now(ResourceSet.request().exclusive(a));
    ResourceSet holdB = now(ResourceSet.request().exclusive(b));
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    x.thenAccept(s -> holdB.release());
    CompletableFuture<ResourceSet> y = ResourceSet.request().exclusive(b).acquireAsync();

    holdA.release();

    assertThat(x).isDone();
    assertThat(y).isDone();
    x.get().release();
    y.get().release();
  }

  /** A blocking acquire inside a grant callback is not stuck behind work its thread deferred. */
  @Test
  void acquire_insideGrantCallback_doesNotWaitOnItself() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a));
    AtomicReference<Object> inner = new AtomicReference<>();
    CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
    x.thenAccept(
        s -> {
          try {
            ResourceSet got = ResourceSet.request().exclusive(b).acquire(Duration.ofSeconds(5));
            inner.set(got);
            got.release();
          } catch (Exception e) {
            inner.set(e);
          }
        });

    holder.release();

    assertThat(inner.get()).isInstanceOf(ResourceSet.class);
    x.get().release();
  }

  /**
   * A long cascade of grants released in their callbacks completes without stack overflow, even on
   * a thread with a small stack.
   */
  @Test
  void release_longCascadeOfCallbacks_completesIteratively() throws Exception {
    ResourceSet holder = now(ResourceSet.request().exclusive(a));
    List<CompletableFuture<ResourceSet>> futures = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
      f.thenAccept(ResourceSet::release);
      futures.add(f);
    }
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread releaser = new Thread(null, holder::release, "small-stack", 256 * 1024);
    releaser.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    releaser.start();
    releaser.join(TestSupport.LONG.toMillis());

    assertThat(releaser.isAlive()).isFalse();
    assertThat(failure).hasValue(null);
    for (CompletableFuture<ResourceSet> f : futures) {
      assertThat(f).isDone();
    }
    assertThat(ResourceSet.request().exclusive(a).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  /** release is idempotent and safe from two threads at once: the next request is granted once. */
  @Test
  void release_fromTwoThreadsAtOnce_isIdempotent() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 200; round++) {
        ResourceSet set = now(ResourceSet.request().exclusive(a));
        AtomicInteger grants = new AtomicInteger();
        CompletableFuture<ResourceSet> next = ResourceSet.request().exclusive(a).acquireAsync();
        next.thenRun(grants::incrementAndGet);
        CyclicBarrier barrier = new CyclicBarrier(2);
        Future<?> r1 =
            pool.submit(
                () -> {
                  barrier.await();
                  set.release();
                  return null;
                });
        Future<?> r2 =
            pool.submit(
                () -> {
                  barrier.await();
                  set.release();
                  return null;
                });
        get(r1);
        get(r2);
        assertThat(grants).hasValue(1);
        next.get().release();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** release races the cancellation of a pending future without harm. */
  @Test
  void release_racingCancel_leavesBufferUsable() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 200; round++) {
        ResourceSet holder = now(ResourceSet.request().exclusive(a));
        CompletableFuture<ResourceSet> x = ResourceSet.request().exclusive(a).acquireAsync();
        CyclicBarrier barrier = new CyclicBarrier(2);
        Future<?> r1 =
            pool.submit(
                () -> {
                  barrier.await();
                  holder.release();
                  return null;
                });
        Future<?> r2 =
            pool.submit(
                () -> {
                  barrier.await();
                  return x.cancel(false);
                });
        get(r1);
        get(r2);
        if (!x.isCancelled()) {
          x.get().release();
        }
        ResourceSet after = ResourceSet.request().exclusive(a).tryAcquire().orElseThrow();
        after.release();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /** close() is release(), for try-with-resources. */
  @Test
  void close_grantedSet_releases() throws Exception {
    ResourceSet set;
    try (ResourceSet s = now(ResourceSet.request().exclusive(a))) {
      set = s;
      assertThat(s.isGranted()).isTrue();
    }
    assertThat(set.isGranted()).isFalse();
    assertThat(set.toString()).contains("released");
  }

  // --- interplay with fence producers and buffer locks
  // -------------------------------------------------

  /** A request waits for a producer's WRITE fence already on the buffer. */
  @Test
  void acquireAsync_producerWriteFencePending_waitsForIt() throws Exception {
    Fence render = fence();
    a.lock();
    a.reserveFences(1);
    a.addFence(render, Usage.WRITE);
    a.unlock();
    CompletableFuture<ResourceSet> reader = ResourceSet.request().shared(a).acquireAsync();
    assertThat(reader).isNotDone();

    render.signal();

    assertThat(reader).isDone();
    reader.get().release();
  }

  /** A shared request does not wait for a producer's READ fence; an exclusive one does. */
  @Test
  void acquireAsync_producerReadFencePending_onlyExclusiveWaits() throws Exception {
    Fence read = fence();
    a.lock();
    a.reserveFences(1);
    a.addFence(read, Usage.READ);
    a.unlock();
    ResourceSet shared = ResourceSet.request().shared(a).tryAcquire().orElseThrow();
    shared.release();
    CompletableFuture<ResourceSet> writer = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(writer).isNotDone();
    read.signal();
    assertThat(writer).isDone();
    writer.get().release();
  }

  /** A producer synchronizing implicitly sees a granted set's fence and can wait for it. */
  @Test
  void fences_grantedSet_visibleToProducers() throws Exception {
    ResourceSet reader = now(ResourceSet.request().shared(a));
    assertThat(a.fences(Usage.forAccess(true))).containsExactly(reader.fence());
    assertThat(a.fences(Usage.forAccess(false))).isEmpty();
    assertThat(a.await(Usage.READ, Duration.ZERO)).isFalse();
    reader.release();
    assertThat(a.await(Usage.READ, Duration.ZERO)).isTrue();
  }

  /**
   * A buffer locked by another thread delays the grant until it is unlocked; the grant then
   * completes on a library thread, not inside that thread's unlock().
   */
  @Test
  void acquireAsync_bufferLockedByAnotherThread_grantedOnUnlock() throws Exception {
    try (Worker w = new Worker("writer")) {
      w.run(a::lock);
      CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
      assertThat(f).isNotDone();
      w.run(a::unlock);
      ResourceSet set = f.get(TestSupport.LONG.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(set.isGranted()).isTrue();
      set.release();
    }
  }

  /** A thread holding a buffer's lock delays its own async grant until it unlocks. */
  @Test
  void acquireAsync_bufferLockedByCurrentThread_grantedOnUnlock() throws Exception {
    a.lock();
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    assertThat(f).isNotDone();
    assertThat(ResourceSet.request().exclusive(b, a).tryAcquire()).isEmpty();
    a.unlock();
    f.get(TestSupport.LONG.toMillis(), TimeUnit.MILLISECONDS).release();
  }

  // --- bad input
  // -----------------------------------------------------------------------------------

  /** A request that names no buffer is rejected by every acquire method. */
  @Test
  void acquire_emptyRequest_throwsIllegalState() {
    ResourceSet.Request empty = ResourceSet.request();
    assertThatThrownBy(empty::acquireAsync).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(empty::tryAcquire).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> empty.acquire(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class);
  }

  /** A null buffer is rejected and nothing is added to the request. */
  @Test
  void exclusive_nullElement_throwsAndAddsNothing() {
    ResourceSet.Request r = ResourceSet.request();
    assertThatThrownBy(() -> r.exclusive(a, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("buffers[1]");
    assertThatThrownBy(r::tryAcquire).isInstanceOf(IllegalStateException.class);
  }

  /** A negative timeout is rejected before anything is queued. */
  @Test
  void acquire_negativeTimeout_throwsIllegalArgument() {
    ResourceSet.Request r = ResourceSet.request().exclusive(a);
    assertThatThrownBy(() -> r.acquire(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.acquire(-1, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(r.tryAcquire()).isPresent().get().satisfies(ResourceSet::release);
  }

  /** Obtruding another value on the grant future releases the granted set. */
  @Test
  void obtrudeValue_grantedFuture_releasesSet() {
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    ResourceSet set = f.join();

    f.obtrudeValue(null);

    assertThat(set.isGranted()).isFalse();
    assertThat(f.join()).isNull();
    assertThat(ResourceSet.request().exclusive(a).tryAcquire())
        .isPresent()
        .get()
        .satisfies(ResourceSet::release);
  }

  /** Obtruding an exception on the grant future releases the granted set. */
  @Test
  void obtrudeException_grantedFuture_releasesSet() {
    CompletableFuture<ResourceSet> f = ResourceSet.request().exclusive(a).acquireAsync();
    ResourceSet set = f.join();

    f.obtrudeException(new IllegalStateException("forced"));

    assertThat(set.isGranted()).isFalse();
    assertThat(f).isCompletedExceptionally();
  }
}
