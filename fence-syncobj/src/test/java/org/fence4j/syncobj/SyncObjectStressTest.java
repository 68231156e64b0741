package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Bounded stress of concurrent add/signal/reset/wait (ITERATIONS bound the work; the time cap of
 * each join is only a safety net).
 */
class SyncObjectStressTest {
  private static final int POINTS = 2_000;
  private static final int WAITERS = 3;
  private static final int WAITS_PER_WAITER = 300;
  private static final int ITERATIONS = 5_000;
  private static final Duration JOIN_BOUND = Duration.ofSeconds(60);

  /**
   * A producer submits points in order, a signaler signals their fences in a shuffled order,
   * waiters wait (FOR_SUBMIT) for random points, and a reader checks the counter: every wait
   * succeeds, the counter never decreases and never passes the last submitted point.
   */
  @Test
  void concurrentSubmitSignalWait_everyWaitSucceedsAndCounterIsMonotonic() throws Exception {
    SyncObject obj = SyncObject.create();
    AtomicReferenceArray<Fence> fences = new AtomicReferenceArray<>(POINTS + 1);
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    threads.add(
        thread(
            failures,
            start,
            () -> {
              for (int p = 1; p <= POINTS; p++) {
                Fence f = new TestFence();
                fences.set(p, f);
                obj.addPoint(p, f);
              }
            }));
    threads.add(
        thread(
            failures,
            start,
            () -> {
              // signal in pairs swapped: 2, 1, 4, 3, ... (out of order under ordered points)
              for (int p = 2; p <= POINTS; p += 2) {
                awaitFence(fences, p).signal();
                awaitFence(fences, p - 1).signal();
              }
            }));
    for (int w = 0; w < WAITERS; w++) {
      threads.add(
          thread(
              failures,
              start,
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < WAITS_PER_WAITER; i++) {
                  long p = 1 + random.nextInt(POINTS);
                  boolean any = random.nextBoolean();
                  List<SyncPoint> points = List.of(obj.at(p), obj.at(1 + random.nextInt(POINTS)));
                  boolean done =
                      any
                          ? SyncObject.waitAny(points, JOIN_BOUND, WaitFlag.FOR_SUBMIT) >= 0
                          : SyncObject.waitAll(points, JOIN_BOUND, WaitFlag.FOR_SUBMIT);
                  assertThat(done).isTrue();
                }
              }));
    }
    threads.add(
        thread(
            failures,
            start,
            () -> {
              long previous = 0;
              while (previous < POINTS) {
                long submitted = obj.lastSubmittedPoint();
                long value = obj.lastSignaledPoint();
                assertThat(value).isGreaterThanOrEqualTo(previous);
                assertThat(value)
                    .isLessThanOrEqualTo(Math.max(submitted, obj.lastSubmittedPoint()));
                previous = value;
                Thread.onSpinWait();
              }
            }));

    start.countDown();
    joinAll(threads);

    assertThat(failures).isEmpty();
    assertThat(obj.lastSignaledPoint()).isEqualTo(POINTS);
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  /**
   * Mutators race host signals, resets, replaces and binary signals while waiters wait for
   * submission with tiny timeouts and futures are made and cancelled: only unordered-point
   * rejections may fail, and nothing stays registered at the end.
   */
  @Test
  void concurrentResetSignalAndWaits_onlyUnorderedRejectionsAndNothingLeftRegistered()
      throws Exception {
    SyncObject obj = SyncObject.create();
    AtomicLong nextPoint = new AtomicLong();
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int m = 0; m < 2; m++) {
      threads.add(
          thread(
              failures,
              start,
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < ITERATIONS; i++) {
                  int op = random.nextInt(10);
                  try {
                    if (op == 0) {
                      obj.reset();
                    } else if (op == 1) {
                      obj.signal();
                    } else if (op == 2) {
                      obj.replace(Fence.stub());
                    } else {
                      obj.signal(1 + nextPoint.incrementAndGet() % 64);
                    }
                  } catch (IllegalArgumentException unordered) {
                    assertThat(unordered).hasMessageContaining("unordered point");
                  }
                  long submitted = obj.lastSubmittedPoint();
                  assertThat(submitted).isBetween(0L, 64L);
                }
              }));
    }
    for (int w = 0; w < WAITERS; w++) {
      threads.add(
          thread(
              failures,
              start,
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < ITERATIONS / 10; i++) {
                  long p = random.nextInt(66);
                  switch (random.nextInt(3)) {
                    case 0 ->
                        SyncObject.waitAny(
                            List.of(obj.at(p)), 100, TimeUnit.MICROSECONDS, WaitFlag.FOR_SUBMIT);
                    case 1 -> obj.awaitSubmitted(p, 100, TimeUnit.MICROSECONDS);
                    default -> obj.whenSubmitted(p).cancel(false);
                  }
                }
              }));
    }

    start.countDown();
    joinAll(threads);

    assertThat(failures).isEmpty();
    assertThat(obj.describe()).doesNotContain("waitingForSubmit");
  }

  /**
   * One thread host-signals points in order while others keep asking for the fences and registering
   * futures for points not signaled yet (each of which ends a run of in-place counter updates): no
   * host signal is lost, the counter never goes down, every future completes with the point's link.
   */
  @Test
  void hostSignalsRacingFenceLookupsAndFutures_noSignalLostAndEveryFutureCompletes()
      throws Exception {
    SyncObject obj = SyncObject.create();
    int points = 20 * POINTS;
    Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
    Queue<CompletableFuture<Fence>> futures = new ConcurrentLinkedQueue<>();
    CountDownLatch producerDone = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    threads.add(
        thread(
            failures,
            start,
            () -> {
              for (int p = 1; p <= points; p++) {
                obj.signal(p);
                if (obj.lastSubmittedPoint() < p) {
                  throw new AssertionError("host signal of point " + p + " lost");
                }
              }
              producerDone.countDown();
            }));
    for (int r = 0; r < 2; r++) {
      threads.add(
          thread(
              failures,
              start,
              () -> {
                long seen = 0;
                // while the producer runs, bounded by iterations all the same
                for (int i = 0; i < 10 * points && producerDone.getCount() > 0; i++) {
                  long submitted = obj.lastSubmittedPoint();
                  if (submitted < seen) {
                    throw new AssertionError("counter went from " + seen + " to " + submitted);
                  }
                  seen = submitted;
                  if (i % 64 == 0 && submitted < points) {
                    futures.add(obj.whenSubmitted(submitted + 1));
                  } else {
                    obj.fence(); // ends the current run of in-place counter updates
                  }
                }
              }));
    }

    start.countDown();
    joinAll(threads);

    assertThat(failures).isEmpty();
    assertThat(obj.lastSubmittedPoint()).isEqualTo(points);
    assertThat(obj.lastSignaledPoint()).isEqualTo(points);
    assertThat(obj.fence().orElseThrow().seqno()).isEqualTo(points);
    for (CompletableFuture<Fence> future : futures) {
      assertThat(future.getNow(null))
          .isNotNull()
          .satisfies(f -> assertThat(f.isSignaled()).isTrue());
    }
  }

  private static Fence awaitFence(AtomicReferenceArray<Fence> fences, int p) {
    Fence f;
    while ((f = fences.get(p)) == null) {
      Thread.onSpinWait();
    }
    return f;
  }

  interface Body {
    void run() throws Exception;
  }

  private static Thread thread(Queue<Throwable> failures, CountDownLatch start, Body body) {
    Thread t =
        new Thread(
            () -> {
              try {
                start.await();
                body.run();
              } catch (Throwable e) {
                failures.add(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void joinAll(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      TimeUnit.NANOSECONDS.timedJoin(t, JOIN_BOUND.toNanos());
      if (t.isAlive()) {
        threads.forEach(Thread::interrupt);
        throw new AssertionError("stress thread did not finish: " + t);
      }
    }
  }
}
