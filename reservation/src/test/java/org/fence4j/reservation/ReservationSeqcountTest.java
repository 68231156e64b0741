package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * Replacements stored in place, under the object's seqcount: readers still see the entries as they
 * stood at one instant, their cached answers follow a replacement, and a reader finishes (so a
 * timed wait can return on time) under a constant stream of replacements.
 */
class ReservationSeqcountTest {
  private static final int ROUNDS = 20_000;

  /**
   * Replacements a reader may meet before the test stops making them: far more than a reader needs
   * to finish (a few scans), so reaching it means the reader could not finish on its own.
   */
  private static final int CAP = 1_000;

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

  /**
   * A pending fence whose peek hook, each time the reader thread asks it (during a reader's scan),
   * has a writer thread replace another entry of the object and waits until it is done: every scan
   * of the reader overlaps a replacement. Up to CAP times, then it stops (the safety net).
   */
  private static final class ReplacingFence extends TestFence {
    final AtomicInteger replacements = new AtomicInteger();
    volatile boolean armed; // off while the object is set up (the reader thread holds the lock)
    private final Thread reader;
    private final TestSupport.Worker writer;
    private final ReservationObject obj;
    private final long otherContext;

    ReplacingFence(Thread reader, TestSupport.Worker writer, ReservationObject obj, long other) {
      super(FenceContexts.allocate(1), 1, "test", "replacing");
      this.reader = reader;
      this.writer = writer;
      this.obj = obj;
      this.otherContext = other;
    }

    @Override
    protected boolean peekSignaled() {
      if (armed && Thread.currentThread() == reader && replacements.get() < CAP) {
        long seqno = 2 + replacements.getAndIncrement();
        writer.run(() -> cycle(obj, new TestFence(otherContext, seqno), Usage.READ));
      }
      return false;
    }
  }

  /** An object holding a ReplacingFence, then a fence of {@code other} that it replaces. */
  private static ReplacingFence replacingDuringScans(
      ReservationObject obj, TestSupport.Worker writer, long other) {
    ReplacingFence hook = new ReplacingFence(Thread.currentThread(), writer, obj, other);
    cycle(obj, hook, Usage.READ);
    cycle(obj, new TestFence(other, 1), Usage.READ);
    hook.armed = true;
    return hook;
  }

  @Test
  void fences_replacementDuringEveryScan_returnsAfterAFewScans() throws Exception {
    ReservationObject obj = new ReservationObject();
    ReplacingFence hook;
    List<Fence> seen;
    try (TestSupport.Worker writer = new TestSupport.Worker("writer")) {
      hook = replacingDuringScans(obj, writer, FenceContexts.allocate(1));

      seen = obj.fences(Usage.READ);
    }

    assertThat(seen).hasSize(2);
    assertThat(hook.replacements.get()).isLessThan(CAP); // it did not need the safety net
  }

  @Test
  void await_replacementDuringEveryScan_returnsAfterAFewScans() throws Exception {
    ReservationObject obj = new ReservationObject();
    ReplacingFence hook;
    boolean signaled;
    try (TestSupport.Worker writer = new TestSupport.Worker("writer")) {
      hook = replacingDuringScans(obj, writer, FenceContexts.allocate(1));

      signaled = obj.await(Usage.READ, Duration.ZERO);
    }

    assertThat(signaled).isFalse();
    assertThat(hook.replacements.get()).isLessThan(CAP);
  }
}
