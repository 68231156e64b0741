package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.Test;

/**
 * Resource sets under contention: {@value #CLIENTS} client threads make {@value #ITERATIONS} random
 * multi-buffer requests each (exclusive and shared, acquired in every way), while other threads add
 * implicit-sync fences to the same buffers, hold the buffers' locks, interrupt the clients at
 * random and cancel their futures at random moments (queued, ready, installing, granted). Grant
 * callbacks do their work, sometimes lock buffers, and release. Exclusive access is always alone,
 * shared access never overlaps a writer, nothing is stranded, and every queue is empty at the end.
 * Bounded by iterations; the time limits are only a safety net.
 */
class ResourceSetStressTest {
  private static final int BUFFERS = 8;
  private static final int CLIENTS = 6;
  private static final int ITERATIONS = 8_000;
  private static final long SAFETY_SECONDS = 120;
  private static final Duration LONG_WAIT = Duration.ofSeconds(30);

  private final ReservationObject[] buffers = new ReservationObject[BUFFERS];
  private final AtomicInteger[] readers = new AtomicInteger[BUFFERS];
  private final AtomicInteger[] writers = new AtomicInteger[BUFFERS];
  private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private final AtomicReferenceArray<Thread> clientThreads = new AtomicReferenceArray<>(CLIENTS);
  private final AtomicReference<CompletableFuture<ResourceSet>> toCancel = new AtomicReference<>();
  private volatile boolean clientsDone;

  /** Random requests against producers, lockers, interrupts and cancellations: rules hold. */
  @Test
  void acquire_randomRequestsInterruptsCancellationsAndProducers_accessRulesHold()
      throws Exception {
    for (int i = 0; i < BUFFERS; i++) {
      buffers[i] = new ReservationObject();
      readers[i] = new AtomicInteger();
      writers[i] = new AtomicInteger();
    }
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 4);
    try {
      List<Future<Long>> clients = new ArrayList<>();
      for (int t = 0; t < CLIENTS; t++) {
        int index = t;
        clients.add(pool.submit(() -> client(index)));
      }
      List<Future<Long>> helpers = new ArrayList<>();
      helpers.add(pool.submit(this::producer));
      helpers.add(pool.submit(this::locker));
      helpers.add(pool.submit(this::interrupter));
      helpers.add(pool.submit(this::canceller));
      try {
        for (Future<Long> f : clients) {
          assertThat(f.get(SAFETY_SECONDS, TimeUnit.SECONDS)).isPositive();
        }
      } finally {
        clientsDone = true;
      }
      for (Future<Long> f : helpers) {
        f.get(SAFETY_SECONDS, TimeUnit.SECONDS);
      }
    } finally {
      clientsDone = true;
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(failures).isEmpty();
    // Nothing is left queued or held: everything is free again, and every queue is empty.
    ResourceSet all = ResourceSet.request().exclusive(buffers).acquire(Duration.ofSeconds(10));
    all.release();
    for (ReservationObject b : buffers) {
      ResourceQueue q = b.resourceQueue();
      assertThat(q.queuedLinks()).isZero();
      assertThat(q.unlockWaiterCount()).isZero();
    }
  }

  private long client(int index) {
    clientThreads.set(index, Thread.currentThread());
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long granted = 0;
    try {
      for (int it = 0; it < ITERATIONS; it++) {
        Thread.interrupted(); // a stray interrupt from the previous round
        Map<Integer, Boolean> want = new LinkedHashMap<>();
        ResourceSet.Request request = randomRequest(rnd, want);
        try {
          if (oneRequest(rnd, request, want)) {
            granted++;
          }
        } catch (InterruptedException e) {
          // cancelled as if never made (or released if granted at the last moment)
        }
      }
    } catch (Throwable t) {
      failures.add(t);
    } finally {
      clientThreads.set(index, null);
      Thread.interrupted();
    }
    return granted;
  }

  private ResourceSet.Request randomRequest(ThreadLocalRandom rnd, Map<Integer, Boolean> want) {
    ResourceSet.Request request = ResourceSet.request();
    for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
      int idx = rnd.nextInt(BUFFERS);
      boolean exclusive = rnd.nextBoolean();
      want.merge(idx, exclusive, Boolean::logicalOr);
      if (exclusive) {
        request.exclusive(buffers[idx]);
      } else {
        request.shared(buffers[idx]);
      }
    }
    return request;
  }

  /** One request acquired in a random way; returns whether it was granted and used. */
  private boolean oneRequest(
      ThreadLocalRandom rnd, ResourceSet.Request request, Map<Integer, Boolean> want)
      throws Exception {
    ResourceSet set = null;
    switch (rnd.nextInt(6)) {
      case 0:
        try {
          set = request.acquire(Duration.ofNanos(rnd.nextInt(2_000_000)));
        } catch (TimeoutException e) {
          return false;
        }
        break;
      case 1:
        set = request.tryAcquire().orElse(null);
        break;
      case 2:
        set = request.acquire(LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        break;
      case 3:
        { // cancelled by this thread at a random stage, or by the canceller, or granted
          CompletableFuture<ResourceSet> f = request.acquireAsync();
          int stage = rnd.nextInt(3);
          if (stage == 0 && f.cancel(false)) {
            return false;
          }
          if (stage == 1) {
            toCancel.set(f);
          }
          set = await(f);
          break;
        }
      case 4:
        { // the grant callback uses the buffers, sometimes locks some, and releases
          CompletableFuture<ResourceSet> f = request.acquireAsync();
          boolean lockInCallback = rnd.nextInt(4) == 0;
          int lockIndex = rnd.nextInt(BUFFERS);
          CompletableFuture<Void> used =
              f.thenAccept(
                  s -> {
                    try {
                      enter(want);
                      leave(want);
                      if (lockInCallback) {
                        try (LockedReservations l =
                            ReservationLocks.lockAll(List.of(buffers[lockIndex]))) {
                          assertThat(l.objects()).hasSize(1);
                        }
                      }
                    } catch (Throwable t) {
                      failures.add(t);
                    } finally {
                      s.release();
                    }
                  });
          if (rnd.nextBoolean()) {
            toCancel.set(f);
          }
          try {
            used.get(LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
          } catch (ExecutionException | CancellationException e) {
            return false; // cancelled before the grant
          } catch (InterruptedException e) {
            f.cancel(false); // if granted, the callback releases
            throw e;
          }
        }
      default:
        { // release racing the grant from this thread
          CompletableFuture<ResourceSet> f = request.acquireAsync();
          for (int spin = rnd.nextInt(50); spin > 0; spin--) {
            Thread.onSpinWait();
          }
          if (f.cancel(false)) {
            return false;
          }
          set = await(f);
          break;
        }
    }
    if (set == null) {
      return false;
    }
    try {
      enter(want);
      for (int spin = rnd.nextInt(30); spin > 0; spin--) {
        Thread.onSpinWait();
      }
      leave(want);
    } finally {
      set.release();
    }
    return true;
  }

  /** Waits for a grant future; null if it was cancelled. Cancels it if interrupted. */
  private static ResourceSet await(CompletableFuture<ResourceSet> f) throws Exception {
    try {
      return f.get(LONG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (CancellationException e) {
      return null;
    } catch (InterruptedException e) {
      if (!f.cancel(false) && !f.isCancelled()) {
        f.join().release();
      }
      throw e;
    }
  }

  /** An implicit-sync writer: collects what a write must follow, adds its fence, then works. */
  private long producer() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    FenceContext timeline = FenceContext.create("test", "producer");
    long jobs = 0;
    try {
      while (!clientsDone) {
        int idx = rnd.nextInt(BUFFERS);
        ReservationObject buffer = buffers[idx];
        Fence before;
        Fence done = timeline.next();
        buffer.lock();
        try {
          before = buffer.singleton(Usage.forAccess(true));
          buffer.reserveFences(1);
          buffer.addFence(done, Usage.WRITE);
        } finally {
          buffer.unlock();
        }
        if (before != null && !before.awaitUninterruptibly(LONG_WAIT)) {
          throw new AssertionError("producer dependency never signaled");
        }
        Map<Integer, Boolean> access = Map.of(idx, true);
        enter(access);
        Thread.onSpinWait();
        leave(access);
        done.signal(); // grant callbacks may run here
        jobs++;
        LockSupport.parkNanos(20_000);
      }
    } catch (Throwable t) {
      failures.add(t);
    }
    return jobs;
  }

  /** Holds buffers' locks for a moment (grants on them wait for the unlock). */
  private long locker() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long rounds = 0;
    try {
      while (!clientsDone) {
        List<ReservationObject> some = new ArrayList<>();
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
          some.add(buffers[rnd.nextInt(BUFFERS)]);
        }
        try (LockedReservations l = ReservationLocks.lockAll(some)) {
          for (int spin = rnd.nextInt(200); spin > 0; spin--) {
            Thread.onSpinWait();
          }
        }
        rounds++;
        LockSupport.parkNanos(50_000);
      }
    } catch (Throwable t) {
      failures.add(t);
    }
    return rounds;
  }

  /** Interrupts a random client now and then. */
  private long interrupter() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long shots = 0;
    while (!clientsDone) {
      Thread t = clientThreads.get(rnd.nextInt(CLIENTS));
      if (t != null) {
        t.interrupt();
        shots++;
      }
      LockSupport.parkNanos(200_000);
    }
    return shots;
  }

  /** Cancels the futures clients hand it, after a random delay. */
  private long canceller() {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long cancelled = 0;
    while (!clientsDone) {
      CompletableFuture<ResourceSet> f = toCancel.getAndSet(null);
      if (f == null) {
        LockSupport.parkNanos(10_000);
        continue;
      }
      for (int spin = rnd.nextInt(100); spin > 0; spin--) {
        Thread.onSpinWait();
      }
      if (f.cancel(false)) {
        cancelled++;
      }
    }
    return cancelled;
  }

  private void enter(Map<Integer, Boolean> access) {
    for (Map.Entry<Integer, Boolean> e : access.entrySet()) {
      int i = e.getKey();
      if (e.getValue()) {
        if (writers[i].incrementAndGet() != 1 || readers[i].get() != 0) {
          throw new AssertionError("exclusive access to buffer " + i + " is not alone");
        }
      } else {
        readers[i].incrementAndGet();
        if (writers[i].get() != 0) {
          throw new AssertionError("shared access to buffer " + i + " overlaps a writer");
        }
      }
    }
  }

  private void leave(Map<Integer, Boolean> access) {
    for (Map.Entry<Integer, Boolean> e : access.entrySet()) {
      if (e.getValue()) {
        writers[e.getKey()].decrementAndGet();
      } else {
        readers[e.getKey()].decrementAndGet();
      }
    }
  }
}
