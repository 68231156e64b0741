package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.RecordingFence;
import org.junit.jupiter.api.Test;

/**
 * Storage follows the live (unsignaled) fences: after a burst has signaled, an object retains what
 * a fresh object with the same live fences retains, and every later add works on that. Measured as
 * retained slots ({@code capacity()}), never as time.
 */
class ReservationStorageTest {
  private static final int BURST = 4_000; // adds scan the entries: keep the burst O(n^2) small
  private static final int ROUNDS = 100;

  /** BURST fences on distinct contexts (so none replaces another). */
  private static List<Fence> burst() {
    return fences(BURST);
  }

  private static List<Fence> fences(int n) {
    long first = FenceContexts.allocate(n);
    List<Fence> fences = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      fences.add(new RecordingFence(first + i, 1));
    }
    return fences;
  }

  private static void addBurst(ReservationObject obj, List<Fence> fences) {
    obj.lock();
    try {
      obj.reserveFences(fences.size());
      for (Fence f : fences) {
        obj.addFence(f, Usage.READ);
      }
    } finally {
      obj.unlock();
    }
  }

  /** One producer cycle: lock, reserve one slot, add a fence, unlock. */
  private static void cycle(ReservationObject obj, Fence f) {
    obj.lock();
    try {
      obj.reserveFences(1);
      obj.addFence(f, Usage.WRITE);
    } finally {
      obj.unlock();
    }
  }

  /** After a burst has signaled, one cycle brings the object back to a fresh object's size. */
  @Test
  void reserveFences_afterBurstSignaled_shrinksToFreshSize() {
    ReservationObject used = new ReservationObject();
    ReservationObject fresh = new ReservationObject();
    List<Fence> fences = burst();
    addBurst(used, fences);
    fences.forEach(Fence::signal);

    Fence pending = TestSupport.fence();
    cycle(used, pending);
    cycle(fresh, pending);

    assertThat(used.capacity()).isEqualTo(fresh.capacity());
    assertThat(used.storedCount()).isEqualTo(1);
  }

  /** Cycles after the burst keep the object at a fresh object's size, round after round. */
  @Test
  void addFence_cyclesAfterBurstSignaled_stayAtFreshSize() {
    ReservationObject used = new ReservationObject();
    ReservationObject fresh = new ReservationObject();
    List<Fence> fences = burst();
    addBurst(used, fences);
    fences.forEach(Fence::signal);

    for (int i = 0; i < ROUNDS; i++) {
      Fence f = TestSupport.fence();
      cycle(used, f);
      cycle(fresh, f);
      f.signal();
      assertThat(used.capacity()).isEqualTo(fresh.capacity());
    }
  }

  /** A large reservation left unused is given back at unlock. */
  @Test
  void unlock_largeReservationUnused_givesBackItsStorage() {
    ReservationObject used = new ReservationObject();
    ReservationObject fresh = new ReservationObject();
    Fence f = TestSupport.fence();
    used.lock();
    used.reserveFences(BURST);
    used.addFence(f, Usage.WRITE);

    used.unlock();

    cycle(fresh, f);
    assertThat(used.capacity()).isEqualTo(fresh.capacity());
    assertThat(used.fences(Usage.WRITE)).containsExactly(f);
  }

  /** While fences stay pending, storage grows with them and stays within twice what is live. */
  @Test
  void reserveFences_manyLiveFences_storageProportionalToLive() {
    ReservationObject obj = new ReservationObject();
    List<Fence> fences = fences(BURST / 2);
    int appended = 0;
    for (Fence f : fences) {
      obj.lock();
      obj.reserveFences(1);
      obj.addFence(f, Usage.READ);
      obj.unlock();
      appended++;
      assertThat(obj.capacity()).isLessThanOrEqualTo(Math.max(8, 2 * appended));
    }
    assertThat(obj.fences(Usage.READ)).hasSize(BURST / 2);
  }

  /** Half of a burst signals: the next reservation keeps the live half and sheds the rest. */
  @Test
  void reserveFences_halfOfBurstSignaled_keepsLiveHalfOnly() {
    ReservationObject obj = new ReservationObject();
    List<Fence> fences = burst();
    addBurst(obj, fences);
    List<Fence> live = new ArrayList<>();
    for (int i = 0; i < fences.size(); i++) {
      if (i % 4 == 0) {
        live.add(fences.get(i));
      } else {
        fences.get(i).signal();
      }
    }

    obj.lock();
    obj.reserveFences(1);
    obj.unlock();

    assertThat(obj.storedCount()).isEqualTo(live.size());
    assertThat(obj.capacity()).isLessThanOrEqualTo(2 * (live.size() + 1));
    assertThat(obj.fences(Usage.READ)).containsExactlyElementsOf(live);
  }
}
