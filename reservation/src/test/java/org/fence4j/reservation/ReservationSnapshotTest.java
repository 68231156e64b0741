package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.Test;

/**
 * Readers racing a writer see the set of fences before or after each update, never a mix. Each test
 * runs a writer and two readers for a bounded time.
 */
class ReservationSnapshotTest {
  private static final long RUN_MILLIS = 600;

  /**
   * copyFencesFrom swaps a whole set at once: readers see all of one source or all of the other.
   */
  @Test
  void fences_racingCopyFencesFrom_neverMixesSources() throws Exception {
    ReservationObject target = new ReservationObject();
    ReservationObject srcA = filled(5);
    ReservationObject srcB = filled(7);
    List<Fence> a = srcA.fences(Usage.BOOKKEEP);
    List<Fence> b = srcB.fences(Usage.BOOKKEEP);

    race(
        () -> {
          target.lock();
          try {
            target.copyFencesFrom(srcA);
            target.copyFencesFrom(srcB);
          } finally {
            target.unlock();
          }
        },
        () -> {
          List<Fence> seen = target.fences(Usage.BOOKKEEP);
          if (!seen.isEmpty() && !seen.equals(a) && !seen.equals(b)) {
            throw new AssertionError("mixed snapshot: " + seen);
          }
        });
  }

  /**
   * addExclusiveFence drops the shared fences and installs the new exclusive one in one step: a
   * reader never sees exclusive fence g beside a shared fence of generation g or earlier.
   */
  @Test
  void fences_racingAddExclusiveFence_neverSeesDroppedSharedBesideNewExclusive() throws Exception {
    ReservationObject obj = new ReservationObject();
    FenceContext exclusive = FenceContext.create("test", "exclusive");
    FenceContext reader1 = FenceContext.create("test", "reader1");
    FenceContext reader2 = FenceContext.create("test", "reader2");
    // Keep the three timelines in step: generation g uses seqno g on each of them.

    race(
        () -> {
          obj.lock();
          try {
            obj.reserveFences(3);
            obj.addSharedFence(reader1.next());
            obj.addSharedFence(reader2.next());
            obj.addExclusiveFence(exclusive.next());
          } finally {
            obj.unlock();
          }
        },
        () -> {
          List<Fence> seen = obj.fences(Usage.READ);
          Fence x = null;
          for (Fence f : seen) {
            if (f.context() == exclusive.context()) {
              if (x != null) {
                throw new AssertionError("two exclusive fences: " + seen);
              }
              x = f;
            }
          }
          if (x != null) {
            for (Fence f : seen) {
              if (f != x && f.seqno() <= x.seqno()) {
                throw new AssertionError("dropped shared fence beside exclusive: " + seen);
              }
            }
          }
          if (seen.size() > 3) {
            throw new AssertionError("too many fences: " + seen);
          }
        });
  }

  /** replaceFences rewrites every entry of a context in one step. */
  @Test
  void fences_racingReplaceFences_neverSeesHalfReplacedContext() throws Exception {
    ReservationObject obj = new ReservationObject();
    FenceContext first = FenceContext.create("test", "replaced");
    Fence one = first.next();
    Fence two = first.next();
    obj.lock();
    obj.reserveFences(3);
    obj.addFence(two, Usage.WRITE);
    obj.addFence(one, Usage.WRITE); // earlier than "two": appended, both kept
    obj.addFence(TestSupport.fence(), Usage.READ);
    obj.unlock();
    FenceContext[] current = {first}; // writer thread only

    race(
        () -> {
          FenceContext next = FenceContext.create("test", "replacement");
          obj.lock();
          try {
            obj.replaceFences(current[0].context(), next.next(), Usage.WRITE);
          } finally {
            obj.unlock();
          }
          current[0] = next;
        },
        () -> {
          List<Fence> writes = obj.fences(Usage.WRITE);
          if (writes.size() != 2 || writes.get(0).context() != writes.get(1).context()) {
            throw new AssertionError("half-replaced context: " + writes);
          }
        });
  }

  /** One writer round of the append race: a fresh object and the fences appended to it. */
  private record Round(ReservationObject obj, List<Fence> fences) {}

  /**
   * Appends go into the storage readers are scanning: a reader sees a prefix of the appended
   * fences, in order, each with its own usage (every WRITE answer holds the even-numbered fences of
   * a prefix), never a later fence without the earlier ones.
   */
  @Test
  void fences_racingAppends_seesPrefixInOrderWithUsages() throws Exception {
    int perRound = 6;
    AtomicReference<Round> current =
        new AtomicReference<>(new Round(new ReservationObject(), List.of()));

    race(
        () -> {
          List<Fence> fences = new ArrayList<>(perRound);
          for (int i = 0; i < perRound; i++) {
            fences.add(TestSupport.fence());
          }
          Round round = new Round(new ReservationObject(), fences);
          current.set(round);
          round.obj().lock();
          try {
            round.obj().reserveFences(perRound); // one storage: every add below appends
            for (int i = 0; i < perRound; i++) {
              round.obj().addFence(fences.get(i), i % 2 == 0 ? Usage.WRITE : Usage.READ);
            }
          } finally {
            round.obj().unlock();
          }
        },
        () -> {
          Round round = current.get();
          List<Fence> all = round.obj().fences(Usage.BOOKKEEP);
          List<Fence> writes = round.obj().fences(Usage.WRITE);
          if (!all.equals(round.fences().subList(0, all.size()))) {
            throw new AssertionError("not a prefix of " + round.fences() + ": " + all);
          }
          for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i) != round.fences().get(2 * i)) {
              throw new AssertionError("WRITE answer " + writes + " of " + round.fences());
            }
          }
          if (2 * writes.size() < all.size()) {
            throw new AssertionError("WRITE answer " + writes + " lost fences of " + all);
          }
        });
  }

  private static ReservationObject filled(int n) {
    ReservationObject o = new ReservationObject();
    o.lock();
    try {
      o.reserveFences(n);
      for (int i = 0; i < n; i++) {
        o.addFence(TestSupport.fence(), i % 2 == 0 ? Usage.WRITE : Usage.READ);
      }
    } finally {
      o.unlock();
    }
    return o;
  }

  /** Runs writer in a loop and two readers in loops for RUN_MILLIS; joins all of them. */
  private static void race(Runnable writer, Runnable reader) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch failed = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      futures.add(pool.submit(() -> loop(writer, stop, failed)));
      for (int i = 0; i < 2; i++) {
        futures.add(pool.submit(() -> loop(reader, stop, failed)));
      }
      failed.await(RUN_MILLIS, TimeUnit.MILLISECONDS); // bounded run; early exit on failure
      stop.set(true);
      for (Future<Long> f : futures) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static long loop(Runnable body, AtomicBoolean stop, CountDownLatch failed) {
    long n = 0;
    try {
      while (!stop.get()) {
        body.run();
        n++;
      }
      return n;
    } catch (RuntimeException | Error e) {
      failed.countDown();
      throw e;
    }
  }
}
