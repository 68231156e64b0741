package org.fence4j.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.WwAcquireContext;
import org.fence4j.reservation.WwDeadlockException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Pair 7b: two threads, each locking 4 random buffers out of 16 and releasing them.
 *
 * <p>The 4 buffers of an operation are distinct and come in random order. fence4j locks them in
 * that order with one {@link WwAcquireContext} and the wound/wait back-off of the kernel's {@code
 * ww_mutex} documentation (on {@link WwDeadlockException}: release everything, take the contended
 * lock with {@code lockSlow}, retry the rest); the peer sorts the 4 indices and takes {@link
 * ReentrantLock}s in that global order, the classic hand-written way to avoid deadlock. The
 * critical section is empty, so the measurement is the locking protocol under contention (two
 * threads picking 4 of 16 collide on most operations).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
public class MultiLockBenchmark {

  static final int BUFFERS = 16;
  static final int PICK = 4;

  private final ReservationObject[] reservations = new ReservationObject[BUFFERS];
  private final ReentrantLock[] locks = new ReentrantLock[BUFFERS];

  @Setup
  public void setUp() {
    for (int i = 0; i < BUFFERS; i++) {
      reservations[i] = new ReservationObject();
      locks[i] = new ReentrantLock();
    }
  }

  /** Each thread's random picks. */
  @State(Scope.Thread)
  public static class Picks {
    private final SplittableRandom random = new SplittableRandom();
    final int[] indices = new int[PICK];

    /** Fills {@link #indices} with 4 distinct random buffer indices in random order. */
    int[] next() {
      for (int i = 0; i < PICK; i++) {
        int candidate;
        do {
          candidate = random.nextInt(BUFFERS);
        } while (contains(indices, i, candidate));
        indices[i] = candidate;
      }
      return indices;
    }

    private static boolean contains(int[] values, int length, int value) {
      for (int i = 0; i < length; i++) {
        if (values[i] == value) {
          return true;
        }
      }
      return false;
    }
  }

  @Benchmark
  public int fence4j(Picks picks) {
    int[] picked = picks.next();
    ReservationObject[] objects = reservations;
    int backoffs = 0;
    try (WwAcquireContext context = new WwAcquireContext(ReservationObject.WW_CLASS)) {
      int contended = -1;
      retry:
      while (true) {
        for (int i = 0; i < PICK; i++) {
          if (i == contended) {
            continue;
          }
          try {
            objects[picked[i]].lock(context);
          } catch (WwDeadlockException e) {
            for (int j = 0; j < i; j++) {
              if (j != contended) {
                objects[picked[j]].unlock();
              }
            }
            if (contended >= 0) {
              objects[picked[contended]].unlock();
            }
            backoffs++;
            objects[picked[i]].lockSlow(context);
            contended = i;
            continue retry;
          }
        }
        break;
      }
      context.done();
      // Empty critical section.
      for (int i = 0; i < PICK; i++) {
        objects[picked[i]].unlock();
      }
    }
    return backoffs;
  }

  @Benchmark
  public int reentrantLocksSorted(Picks picks) {
    int[] picked = picks.next();
    Arrays.sort(picked);
    ReentrantLock[] all = locks;
    for (int i = 0; i < PICK; i++) {
      all[picked[i]].lock();
    }
    // Empty critical section.
    for (int i = PICK - 1; i >= 0; i--) {
      all[picked[i]].unlock();
    }
    return picked[0];
  }
}
