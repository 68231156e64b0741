package org.fence4j.syncobj;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * The cost of {@link SyncObject#lastSignaledPoint()} on a timeline with many pending points,
 * counted in looks at the points' fences (their {@code peekSignaled} hook): a query must not walk
 * every pending point each time, and the answer must stay exact as the oldest points signal.
 */
class SyncObjectQueryCostTest {

  private static final int POINTS = 2_000;

  /** A pending driver fence that counts how often anyone asks whether it is done. */
  private static final class CountingFence extends TestFence {
    private final AtomicLong looks;

    CountingFence(long context, long seqno, AtomicLong looks) {
      super(context, seqno, "test", "counting");
      this.looks = looks;
    }

    @Override
    protected boolean peekSignaled() {
      looks.incrementAndGet();
      return false;
    }
  }

  private static List<Fence> addPending(SyncObject obj, int points, AtomicLong looks) {
    long context = FenceContexts.allocate(1);
    List<Fence> fences = new ArrayList<>();
    for (int p = 1; p <= points; p++) {
      Fence f = new CountingFence(context, p, looks);
      obj.addPoint(p, f);
      fences.add(f);
    }
    return fences;
  }

  @Test
  void lastSignaledPoint_manyPendingPoints_looksAtEachPointAboutOnceInAll() {
    AtomicLong looks = new AtomicLong();
    SyncObject obj = SyncObject.create();
    addPending(obj, POINTS, looks);
    looks.set(0);

    for (int i = 0; i < POINTS; i++) {
      assertThat(obj.lastSignaledPoint()).isZero();
    }

    // One walk over the points, then one look per query; a walk per query would be POINTS^2.
    assertThat(looks.get()).isLessThanOrEqualTo(4L * POINTS);
  }

  @Test
  void lastSignaledPoint_oldestPointsSignalInOrder_answerFollows() {
    SyncObject obj = SyncObject.create();
    List<Fence> fences = addPending(obj, 4, new AtomicLong());
    assertThat(obj.lastSignaledPoint()).isZero();

    fences.get(0).signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(1);
    fences.get(1).signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
  }

  @Test
  void lastSignaledPoint_laterPointSignalsFirst_answerWaitsForTheOldest() {
    SyncObject obj = SyncObject.create();
    List<Fence> fences = addPending(obj, 4, new AtomicLong());
    assertThat(obj.lastSignaledPoint()).isZero();

    fences.get(1).signal();
    fences.get(2).signal();
    assertThat(obj.lastSignaledPoint()).isZero();
    fences.get(0).signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(3);
  }

  @Test
  void lastSignaledPoint_afterResetWithPendingPoints_startsOver() {
    SyncObject obj = SyncObject.create();
    addPending(obj, 4, new AtomicLong());
    assertThat(obj.lastSignaledPoint()).isZero();

    obj.reset();
    obj.signal(2);

    assertThat(obj.lastSignaledPoint()).isEqualTo(2);
  }

  @Test
  void lastSignaledPoint_pendingBinaryFenceUnderSignaledPoint_staysBelowThePoint() {
    SyncObject obj = SyncObject.create();
    long context = FenceContexts.allocate(1);
    Fence binary = new CountingFence(context, 1, new AtomicLong());
    obj.replace(binary);
    obj.signal(3); // point 3 also waits for the binary fence

    assertThat(obj.lastSignaledPoint()).isZero();
    binary.signal();
    assertThat(obj.lastSignaledPoint()).isEqualTo(3);
  }
}
