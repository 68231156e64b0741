package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Progress and safety of wound/wait locking under contention: several threads lock random subsets
 * of 16 objects in random orders (duplicates included) for a bounded time.
 */
class WwStressTest {
  private static final int OBJECTS = 16;
  private static final int THREADS = 4;
  private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  /**
   * No deadlock (every thread stops in time), every critical section exclusive, every thread makes
   * progress, with the lockAll helper.
   */
  @ParameterizedTest(name = "waitDie={0}")
  @ValueSource(booleans = {true, false})
  void lockAll_randomSubsetsManyThreads_exclusiveDeadlockFreeAndFair(boolean waitDie)
      throws Exception {
    WwClass cls = waitDie ? WwClass.waitDie("stress") : WwClass.woundWait("stress");
    List<ReservationObject> objects = new ArrayList<>();
    for (int i = 0; i < OBJECTS; i++) {
      objects.add(new ReservationObject(cls));
    }
    AtomicReferenceArray<Thread> inUse = new AtomicReferenceArray<>(OBJECTS);
    long end = System.nanoTime() + RUN_NANOS;

    long[] counts =
        runThreads(
            () -> {
              ThreadLocalRandom rnd = ThreadLocalRandom.current();
              Thread me = Thread.currentThread();
              long done = 0;
              while (System.nanoTime() < end) {
                int n = 1 + rnd.nextInt(6);
                List<Integer> picked = new ArrayList<>();
                List<ReservationObject> subset = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                  int idx = rnd.nextInt(OBJECTS);
                  picked.add(idx);
                  subset.add(objects.get(idx));
                }
                try (LockedReservations locked = ReservationLocks.lockAll(subset)) {
                  List<Integer> mine = new ArrayList<>();
                  for (int idx : picked) {
                    if (!mine.contains(idx)) {
                      if (!inUse.compareAndSet(idx, null, me)) {
                        throw new AssertionError("object " + idx + " used by two threads");
                      }
                      mine.add(idx);
                    }
                  }
                  assertThat(locked.objects()).hasSize(mine.size());
                  for (int spin = rnd.nextInt(50); spin > 0; spin--) {
                    Thread.onSpinWait();
                  }
                  for (int idx : mine) {
                    inUse.set(idx, null);
                  }
                }
                done++;
              }
              return done;
            });

    for (long c : counts) {
      assertThat(c).isPositive();
    }
    for (ReservationObject o : objects) {
      assertThat(o.isLocked()).isFalse();
    }
  }

  /**
   * The raw protocol written by hand (lock, back off on WwDeadlockException, lockSlow, retry) keeps
   * the same guarantees.
   */
  @ParameterizedTest(name = "waitDie={0}")
  @ValueSource(booleans = {true, false})
  void lock_handWrittenBackOffLoop_exclusiveAndDeadlockFree(boolean waitDie) throws Exception {
    WwClass cls = waitDie ? WwClass.waitDie("raw") : WwClass.woundWait("raw");
    List<WwMutex> mutexes = new ArrayList<>();
    for (int i = 0; i < OBJECTS; i++) {
      mutexes.add(new WwMutex(cls));
    }
    int[] owners = new int[OBJECTS]; // plain: the locks must make this race-free
    long end = System.nanoTime() + RUN_NANOS;

    long[] counts =
        runThreads(
            () -> {
              ThreadLocalRandom rnd = ThreadLocalRandom.current();
              long done = 0;
              while (System.nanoTime() < end) {
                List<WwMutex> want = new ArrayList<>();
                for (int k = 1 + rnd.nextInt(5); k > 0; k--) {
                  want.add(mutexes.get(rnd.nextInt(OBJECTS)));
                }
                List<WwMutex> held = new ArrayList<>();
                try (WwAcquireContext ctx = new WwAcquireContext(cls)) {
                  WwMutex contended = null;
                  boolean retry;
                  do {
                    retry = false;
                    for (WwMutex m : want) {
                      if (m == contended) {
                        continue;
                      }
                      try {
                        if (m.lock(ctx)) {
                          held.add(m);
                        }
                      } catch (WwDeadlockException e) {
                        for (WwMutex h : held) {
                          h.unlock();
                        }
                        held.clear();
                        contended = e.mutex();
                        contended.lockSlow(ctx);
                        held.add(contended);
                        retry = true;
                        break;
                      }
                    }
                  } while (retry);
                  ctx.done();
                  for (WwMutex m : held) {
                    if (++owners[mutexes.indexOf(m)] != 1) {
                      throw new AssertionError("overlapping critical sections");
                    }
                  }
                  for (int spin = rnd.nextInt(50); spin > 0; spin--) {
                    Thread.onSpinWait();
                  }
                  for (WwMutex m : held) {
                    owners[mutexes.indexOf(m)]--;
                  }
                  for (WwMutex m : held) {
                    m.unlock();
                  }
                }
                done++;
              }
              return done;
            });

    for (long c : counts) {
      assertThat(c).isPositive();
    }
  }

  private interface Body {
    long run() throws Exception;
  }

  /** Runs THREADS copies of body and joins them all; a deadlock shows up as a timeout here. */
  private static long[] runThreads(Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        futures.add(pool.submit(body::run));
      }
      long[] counts = new long[THREADS];
      for (int t = 0; t < THREADS; t++) {
        counts[t] = futures.get(t).get(20, TimeUnit.SECONDS);
      }
      return counts;
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
