package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.Test;

/**
 * The cost of adding to an object that holds many contexts, counted in looks at the stored fences
 * (their {@code peekSignaled} hook), never in time: a reservation and an add look at a bounded
 * number of stored fences, amortized, whatever the number of entries; and the bounded search of
 * {@link ReservationObject#addFence(Fence, Usage)} above {@link ReservationObject#INDEX_MIN}
 * entries follows its documented rule.
 */
class ReservationAddCostTest {
  private static final int CONTEXTS = 2_000;

  /** A pending fence that counts how often anyone asks whether it is done. */
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

  /** One producer cycle: lock, reserve one slot, add a fence, unlock. */
  private static void cycle(ReservationObject obj, Fence f, Usage usage) {
    obj.lock();
    try {
      obj.reserveFences(1);
      obj.addFence(f, usage);
    } finally {
      obj.unlock();
    }
  }

  /** An object holding one pending READ fence (seqno 1) of each of {@code n} contexts. */
  private static ReservationObject holding(long firstContext, int n, AtomicLong looks) {
    ReservationObject obj = new ReservationObject();
    for (int i = 0; i < n; i++) {
      cycle(obj, new CountingFence(firstContext + i, 1, looks), Usage.READ);
    }
    return obj;
  }

  @Test
  void addFence_replacingEachOfManyContexts_looksAtFewFencesPerAdd() {
    AtomicLong looks = new AtomicLong();
    long first = FenceContexts.allocate(CONTEXTS);
    ReservationObject obj = holding(first, CONTEXTS, looks);
    looks.set(0);

    for (int i = 0; i < CONTEXTS; i++) {
      cycle(obj, new CountingFence(first + i, 2, looks), Usage.READ);
    }

    // A liveness pass per reservation, or a scan per add, would be CONTEXTS^2 looks.
    assertThat(looks.get()).isLessThanOrEqualTo(4L * CONTEXTS);
  }

  @Test
  void addFence_replacingEachOfManyContexts_keepsOneEntryPerContext() {
    long first = FenceContexts.allocate(CONTEXTS);
    ReservationObject obj = holding(first, CONTEXTS, new AtomicLong());
    List<Fence> latest = new ArrayList<>();

    for (int i = 0; i < CONTEXTS; i++) {
      Fence f = new CountingFence(first + i, 2, new AtomicLong());
      cycle(obj, f, Usage.READ);
      latest.add(f);
    }

    assertThat(obj.storedCount()).isEqualTo(CONTEXTS);
    assertThat(obj.fences(Usage.READ)).containsExactlyInAnyOrderElementsOf(latest);
  }

  @Test
  void reserveFences_manyPendingEntries_looksAtFewFencesPerReservation() {
    AtomicLong looks = new AtomicLong();
    ReservationObject obj = holding(FenceContexts.allocate(CONTEXTS), CONTEXTS, looks);
    looks.set(0);

    for (int i = 0; i < CONTEXTS; i++) {
      obj.lock();
      obj.reserveFences(1);
      obj.unlock();
    }

    assertThat(looks.get()).isLessThanOrEqualTo(4L * CONTEXTS);
  }

  @Test
  void addFence_largeObjectSameContextLater_replacesThatContextsEntry() {
    int n = 4 * ReservationObject.INDEX_MIN;
    long first = FenceContexts.allocate(n);
    ReservationObject obj = holding(first, n, new AtomicLong());
    Fence later = new CountingFence(first + n / 2, 2, new AtomicLong());

    cycle(obj, later, Usage.READ);

    assertThat(obj.storedCount()).isEqualTo(n);
    assertThat(obj.fences(Usage.READ)).contains(later).hasSize(n);
  }

  @Test
  void addFence_largeObjectReadAfterWriteOfSameContext_keepsBoth() {
    int n = 4 * ReservationObject.INDEX_MIN;
    long first = FenceContexts.allocate(n + 1);
    ReservationObject obj = holding(first, n, new AtomicLong());
    Fence write = new CountingFence(first + n, 1, new AtomicLong());
    Fence read = new CountingFence(first + n, 2, new AtomicLong());
    cycle(obj, write, Usage.WRITE);

    cycle(obj, read, Usage.READ);

    assertThat(obj.fences(Usage.WRITE)).containsExactly(write);
    assertThat(obj.fences(Usage.READ)).contains(write, read).hasSize(n + 2);
  }

  @Test
  void addFence_largeObjectWithSignaledEntries_replacesOneInsteadOfAppending() {
    int n = 4 * ReservationObject.INDEX_MIN;
    long first = FenceContexts.allocate(n + 1);
    ReservationObject obj = new ReservationObject();
    List<Fence> old = new ArrayList<>();
    obj.lock();
    try {
      obj.reserveFences(n + 1);
      for (int i = 0; i < n; i++) {
        Fence f = new CountingFence(first + i, 1, new AtomicLong());
        obj.addFence(f, Usage.READ);
        old.add(f);
      }
      old.forEach(Fence::signal);
      Fence fresh = new CountingFence(first + n, 1, new AtomicLong());

      obj.addFence(fresh, Usage.READ);

      assertThat(obj.storedCount()).isEqualTo(n);
      assertThat(obj.fences(Usage.READ)).containsExactly(fresh);
    } finally {
      obj.unlock();
    }
  }

  @Test
  void addFence_largeObjectPendingEntriesOfOtherContexts_appends() {
    int n = 4 * ReservationObject.INDEX_MIN;
    long first = FenceContexts.allocate(n + 1);
    ReservationObject obj = holding(first, n, new AtomicLong());
    Fence fresh = new CountingFence(first + n, 1, new AtomicLong());

    cycle(obj, fresh, Usage.READ);

    assertThat(obj.storedCount()).isEqualTo(n + 1);
  }
}
