package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Replacements stored in place, under the object's seqcount: readers still see the entries as they
 * stood at one instant, their cached answers follow a replacement, and a reader finishes (a timed
 * wait returns on time) under a constant stream of replacements.
 */
class ReservationSeqcountTest {
  private static final int ROUNDS = 20_000;
  private static final int LARGE = 4_096;

  /** Safety net only: a writer that reaches it means the reader never finished. */
  private static final long WRITER_CAP = 50_000_000L;

  private static void cycle(ReservationObject obj, Fence f, Usage usage) {
    obj.lock();
    try {
      obj.reserveFences(1);
      obj.addFence(f, usage);
    } finally {
      obj.unlock();
    }
  }

  @Test
  void fences_afterReplacementInPlace_answerFollows() {
    long context = FenceContexts.allocate(1);
    ReservationObject obj = new ReservationObject();
    Fence first = new TestFence(context, 1);
    Fence later = new TestFence(context, 2);
    cycle(obj, first, Usage.READ);
    assertThat(obj.fences(Usage.READ)).containsExactly(first); // answer cached

    cycle(obj, later, Usage.READ);

    assertThat(obj.fences(Usage.READ)).containsExactly(later);
  }

  @Test
  void fences_racingReplacements_neverSeesALaterOneWithoutTheEarlier() throws Exception {
    long contexts = FenceContexts.allocate(2);
    long a = contexts;
    long b = contexts + 1;
    ReservationObject obj = new ReservationObject();
    cycle(obj, new TestFence(a, 0), Usage.READ);
    cycle(obj, new TestFence(b, 0), Usage.READ);
    AtomicBoolean done = new AtomicBoolean();
    Thread producers =
        new Thread(
            () -> {
              for (int k = 1; k <= ROUNDS; k++) {
                cycle(obj, new TestFence(a, k), Usage.READ); // producer 1, then
                cycle(obj, new TestFence(b, k), Usage.READ); // producer 2
              }
              done.set(true);
            });
    producers.start();
    long mixes = 0;
    try {
      while (!done.get()) {
        List<Fence> seen = obj.fences(Usage.READ);
        long seqA = -1;
        long seqB = -1;
        for (Fence f : seen) {
          if (f.context() == a) {
            seqA = f.seqno();
          } else if (f.context() == b) {
            seqB = f.seqno();
          }
        }
        if (seen.size() != 2 || seqA < seqB || seqA > seqB + 1) {
          mixes++;
        }
      }
    } finally {
      producers.join();
    }

    assertThat(mixes).isZero();
  }

  @Test
  void await_constantReplacementsOnLargeObject_returnsOnTime() throws Exception {
    long first = FenceContexts.allocate(LARGE + 1);
    ReservationObject obj = new ReservationObject();
    obj.lock();
    try {
      obj.reserveFences(LARGE + 1);
      for (int i = 0; i < LARGE; i++) {
        obj.addFence(new TestFence(first + i, 1), Usage.READ);
      }
      obj.addFence(new TestFence(first + LARGE, 1), Usage.WRITE); // never signals
    } finally {
      obj.unlock();
    }
    AtomicBoolean readerDone = new AtomicBoolean();
    AtomicLong cycles = new AtomicLong();
    Thread producer =
        new Thread(
            () -> {
              long seqno = 2;
              for (long n = 0; n < WRITER_CAP && !readerDone.get(); n++, seqno++) {
                cycle(obj, new TestFence(first + (int) (n % LARGE), seqno), Usage.READ);
                cycles.incrementAndGet();
              }
            });
    producer.start();
    boolean signaled;
    try {
      while (cycles.get() < 1_000 && producer.isAlive()) {
        Thread.onSpinWait(); // the stream of replacements is under way
      }
      signaled = obj.await(Usage.WRITE, Duration.ofMillis(20));
    } finally {
      readerDone.set(true);
      producer.join();
    }

    assertThat(signaled).isFalse();
    assertThat(cycles.get()).isLessThan(WRITER_CAP); // the wait ended before the safety net
  }

  @Test
  void fences_constantReplacementsOnLargeObject_returns() throws Exception {
    long first = FenceContexts.allocate(LARGE);
    ReservationObject obj = new ReservationObject();
    obj.lock();
    try {
      obj.reserveFences(LARGE);
      for (int i = 0; i < LARGE; i++) {
        obj.addFence(new TestFence(first + i, 1), Usage.READ);
      }
    } finally {
      obj.unlock();
    }
    AtomicBoolean readerDone = new AtomicBoolean();
    AtomicLong cycles = new AtomicLong();
    Thread producer =
        new Thread(
            () -> {
              long seqno = 2;
              for (long n = 0; n < WRITER_CAP && !readerDone.get(); n++, seqno++) {
                cycle(obj, new TestFence(first + (int) (n % LARGE), seqno), Usage.READ);
                cycles.incrementAndGet();
              }
            });
    producer.start();
    int size;
    try {
      while (cycles.get() < 1_000 && producer.isAlive()) {
        Thread.onSpinWait();
      }
      size = obj.fences(Usage.READ).size();
    } finally {
      readerDone.set(true);
      producer.join();
    }

    assertThat(size).isEqualTo(LARGE);
    assertThat(cycles.get()).isLessThan(WRITER_CAP);
  }
}
