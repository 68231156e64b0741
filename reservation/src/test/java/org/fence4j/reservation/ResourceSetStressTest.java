package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.Test;

/**
 * Resource sets under contention, mixed with an implicit-sync producer on the same buffers: random
 * multi-buffer requests (exclusive and shared), acquired in every way, with timeouts and
 * cancellations, for a bounded time. Exclusive access is always alone, shared access never overlaps
 * a writer, and everything finishes.
 */
class ResourceSetStressTest {
  private static final int BUFFERS = 6;
  private static final int THREADS = 3;
  private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1200);

  private final ReservationObject[] buffers = new ReservationObject[BUFFERS];
  private final AtomicInteger[] readers = new AtomicInteger[BUFFERS];
  private final AtomicInteger[] writers = new AtomicInteger[BUFFERS];

  /** Random requests plus a fence producer: access rules hold, nobody is stranded. */
  @Test
  void acquire_randomRequestsWithCancellationsAndProducer_accessRulesHold() throws Exception {
    for (int i = 0; i < BUFFERS; i++) {
      buffers[i] = new ReservationObject();
      readers[i] = new AtomicInteger();
      writers[i] = new AtomicInteger();
    }
    long end = System.nanoTime() + RUN_NANOS;
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    try {
      List<Future<Long>> clients = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        clients.add(pool.submit(() -> client(end)));
      }
      Future<Long> producer = pool.submit(() -> producer(end));
      for (Future<Long> f : clients) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isPositive();
      }
      assertThat(producer.get(30, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    // Nothing is left queued or held: everything is free again.
    ResourceSet all = ResourceSet.request().exclusive(buffers).acquire(Duration.ofSeconds(5));
    all.release();
  }

  private long client(long end) throws Exception {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    long granted = 0;
    while (System.nanoTime() < end) {
      Map<Integer, Boolean> want = new LinkedHashMap<>();
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
      ResourceSet set = null;
      switch (rnd.nextInt(4)) {
        case 0:
          try {
            set = request.acquire(Duration.ofMillis(rnd.nextInt(3)));
          } catch (TimeoutException e) {
            // cancelled as if never made
          }
          break;
        case 1:
          set = request.tryAcquire().orElse(null);
          break;
        case 2:
          {
            CompletableFuture<ResourceSet> f = request.acquireAsync();
            if (rnd.nextBoolean() && f.cancel(false)) {
              break;
            }
            set = f.get(20, TimeUnit.SECONDS);
            break;
          }
        default:
          set = request.acquire(Duration.ofSeconds(20));
          break;
      }
      if (set == null) {
        continue;
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
      granted++;
    }
    return granted;
  }

  /** An implicit-sync writer: collects what a write must follow, adds its fence, then works. */
  private long producer(long end) throws Exception {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    FenceContext timeline = FenceContext.create("test", "producer");
    long jobs = 0;
    while (System.nanoTime() < end) {
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
      if (before != null && !before.await(Duration.ofSeconds(20))) {
        throw new AssertionError("producer dependency never signaled");
      }
      Map<Integer, Boolean> access = Map.of(idx, true);
      enter(access);
      Thread.onSpinWait();
      leave(access);
      done.signal();
      jobs++;
    }
    return jobs;
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
