package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.fence4j.reservation.TestSupport.fence;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceChain;
import org.fence4j.FenceContext;
import org.fence4j.FenceContexts;
import org.fence4j.FenceError;
import org.fence4j.StrictMode;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.TestSupport.RecordingFence;
import org.fence4j.reservation.TestSupport.Worker;
import org.fence4j.testlib.TestFence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ReservationObject: locking rules, the replacement rule, usages, the classic API, strict mode. */
class ReservationObjectTest {
  private final ReservationObject obj = new ReservationObject();
  private final FenceContext ctx = FenceContext.create("test", "same-context");

  @AfterEach
  void tearDown() {
    if (obj.mutex().isHeldByCurrentThread()) {
      obj.unlock();
    }
    StrictMode.setViolationHandler(null);
  }

  private void add(Fence f, Usage u) {
    obj.reserveFences(1);
    obj.addFence(f, u);
  }

  // --- locking and slots -------------------------------------------------------------------------

  /** Adding a fence without holding the lock fails and changes nothing. */
  @Test
  void addFence_withoutLock_throwsIllegalState() {
    assertThatThrownBy(() -> obj.addFence(fence(), Usage.WRITE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not held");
    assertThat(obj.fences(Usage.BOOKKEEP)).isEmpty();
  }

  /** Another thread's lock does not count as holding it. */
  @Test
  void addFence_lockHeldByAnotherThread_throwsIllegalState() throws Exception {
    try (Worker w = new Worker("holder")) {
      w.run(obj::lock);
      assertThatThrownBy(() -> obj.reserveFences(1)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> obj.addFence(fence(), Usage.WRITE))
          .isInstanceOf(IllegalStateException.class);
      w.run(obj::unlock);
    }
  }

  /** Adding a fence without a reserved slot fails and changes nothing. */
  @Test
  void addFence_withoutReservedSlot_throwsIllegalState() {
    obj.lock();
    assertThatThrownBy(() -> obj.addFence(fence(), Usage.WRITE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reserveFences");
    assertThat(obj.storedCount()).isZero();
  }

  /** Each added fence uses one slot; the second add after reserving one fails. */
  @Test
  void addFence_moreThanReserved_throwsIllegalState() {
    obj.lock();
    obj.reserveFences(1);
    obj.addFence(fence(), Usage.WRITE);
    Fence second = fence();
    assertThatThrownBy(() -> obj.addFence(second, Usage.WRITE))
        .isInstanceOf(IllegalStateException.class);
    assertThat(obj.fences(Usage.BOOKKEEP)).doesNotContain(second);
  }

  /** Reservations accumulate until unlock. */
  @Test
  void reserveFences_calledTwice_reservationsAccumulate() {
    obj.lock();
    obj.reserveFences(1);
    obj.reserveFences(2);
    obj.addFence(fence(), Usage.WRITE);
    obj.addFence(fence(), Usage.READ);
    obj.addFence(fence(), Usage.READ);
    assertThat(obj.fences(Usage.READ)).hasSize(3);
    assertThat(obj.reservedSlots()).isZero();
  }

  /** Reserved slots do not survive an unlock. */
  @Test
  void unlock_reservedSlots_areVoid() {
    obj.lock();
    obj.reserveFences(3);
    obj.unlock();
    obj.lock();
    assertThatThrownBy(() -> obj.addFence(fence(), Usage.WRITE))
        .isInstanceOf(IllegalStateException.class);
  }

  /** Reserving zero or fewer slots is rejected. */
  @Test
  void reserveFences_nonPositive_throwsIllegalArgument() {
    obj.lock();
    assertThatThrownBy(() -> obj.reserveFences(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.reserveFences(-3)).isInstanceOf(IllegalArgumentException.class);
    assertThat(obj.reservedSlots()).isZero();
  }

  /** Reserving without the lock is rejected. */
  @Test
  void reserveFences_withoutLock_throwsIllegalState() {
    assertThatThrownBy(() -> obj.reserveFences(1)).isInstanceOf(IllegalStateException.class);
  }

  /** An array is rejected; the slot stays reserved and the object usable. */
  @Test
  void addFence_fenceArray_throwsIllegalArgumentAndKeepsSlot() {
    obj.lock();
    obj.reserveFences(1);
    FenceArray array = FenceArray.all(List.of(fence(), fence()));
    assertThatThrownBy(() -> obj.addFence(array, Usage.WRITE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("container");
    Fence leaf = fence();
    obj.addFence(leaf, Usage.WRITE);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(leaf);
  }

  /** A chain is rejected by every add method. */
  @Test
  void addMethods_fenceChain_throwIllegalArgument() {
    obj.lock();
    obj.reserveFences(1);
    FenceChain chain = FenceChain.create(null, fence(), 1);
    assertThatThrownBy(() -> obj.addFence(chain, Usage.READ))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.addExclusiveFence(chain))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.addSharedFence(chain))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.replaceFences(1, chain, Usage.READ))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(obj.storedCount()).isZero();
  }

  // --- replacement rule
  // ----------------------------------------------------------------------------

  /** A later fence of the same context with the same usage replaces the earlier one. */
  @Test
  void addFence_sameContextLaterSameUsage_replaces() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    obj.lock();
    add(f1, Usage.WRITE);
    add(f2, Usage.WRITE);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(f2);
  }

  /** An earlier fence of the same context does not replace a later one: both are kept. */
  @Test
  void addFence_sameContextEarlier_appends() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    obj.lock();
    add(f2, Usage.WRITE);
    add(f1, Usage.WRITE);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(f2, f1);
  }

  /** A same-context WRITE fence replaces a READ one (usage promoted). */
  @Test
  void addFence_sameContextStrongerUsage_replaces() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    obj.lock();
    add(f1, Usage.READ);
    add(f2, Usage.WRITE);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(f2);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(f2);
  }

  /** A same-context READ fence never replaces a WRITE one: both are kept. */
  @Test
  void addFence_sameContextWeakerUsage_appends() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    obj.lock();
    add(f1, Usage.WRITE);
    add(f2, Usage.READ);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(f1);
    assertThat(obj.fences(Usage.READ)).containsExactly(f1, f2);
  }

  /** A signaled entry is recycled by the next fence, whatever its context. */
  @Test
  void addFence_signaledEntry_isReplaced() {
    Fence old = fence();
    Fence unrelated = fence();
    obj.lock();
    add(old, Usage.READ);
    old.signal();
    add(unrelated, Usage.READ);
    assertThat(obj.storedCount()).isEqualTo(1);
    assertThat(obj.fences(Usage.READ)).containsExactly(unrelated);
  }

  /** Fences of different contexts are all kept. */
  @Test
  void addFence_differentContexts_appends() {
    Fence f1 = fence();
    Fence f2 = fence();
    obj.lock();
    add(f1, Usage.READ);
    add(f2, Usage.READ);
    assertThat(obj.fences(Usage.READ)).containsExactly(f1, f2);
  }

  // --- usages and readers
  // -------------------------------------------------------------------------

  /** A query covers its usage and every stronger one. */
  @Test
  void fences_usage_includesStrongerUsages() {
    Fence k = fence();
    Fence w = fence();
    Fence r = fence();
    Fence b = fence();
    obj.lock();
    add(b, Usage.BOOKKEEP);
    add(r, Usage.READ);
    add(w, Usage.WRITE);
    add(k, Usage.KERNEL);
    assertThat(obj.fences(Usage.KERNEL)).containsExactly(k);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(w, k);
    assertThat(obj.fences(Usage.READ)).containsExactly(r, w, k);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(b, r, w, k);
  }

  /** Signaled fences are not reported by readers. */
  @Test
  void fences_signaledFence_isExcluded() {
    Fence done = fence();
    Fence pending = fence();
    obj.lock();
    add(done, Usage.WRITE);
    add(pending, Usage.WRITE);
    done.signal();
    assertThat(obj.fences(Usage.WRITE)).containsExactly(pending);
  }

  /** A fence that signals after a reader's answer is left out of the next answer. */
  @Test
  void fences_memberSignalsAfterAnswer_isExcludedNextTime() {
    Fence done = fence();
    Fence pending = fence();
    obj.lock();
    add(done, Usage.WRITE);
    add(pending, Usage.WRITE);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(done, pending);

    done.signal();

    assertThat(obj.fences(Usage.WRITE)).containsExactly(pending);
  }

  /** A fence whose peek hook starts saying "signaled" after an answer is left out next time. */
  @Test
  void fences_memberPeeksSignaledAfterAnswer_isExcludedNextTime() {
    PeekedFence peeked = new PeekedFence();
    Fence pending = fence();
    obj.lock();
    add(peeked, Usage.READ);
    add(pending, Usage.READ);
    assertThat(obj.fences(Usage.READ)).containsExactly(peeked, pending);

    peeked.done = true;

    assertThat(obj.fences(Usage.READ)).containsExactly(pending);
  }

  /** Answers for different usages of one unchanged snapshot do not mix. */
  @Test
  void fences_alternatingUsages_eachAnswerIsItsOwn() {
    Fence w = fence();
    Fence r = fence();
    obj.lock();
    add(w, Usage.WRITE);
    add(r, Usage.READ);

    assertThat(obj.fences(Usage.WRITE)).containsExactly(w);
    assertThat(obj.fences(Usage.READ)).containsExactly(w, r);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(w);
    assertThat(obj.fences(Usage.KERNEL)).isEmpty();
    assertThat(obj.fences(Usage.READ)).containsExactly(w, r);
  }

  /** A fence added after an answer shows in the next answer. */
  @Test
  void fences_fenceAddedAfterAnswer_isIncludedNextTime() {
    Fence first = fence();
    Fence second = fence();
    obj.lock();
    add(first, Usage.WRITE);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(first);

    add(second, Usage.WRITE);

    assertThat(obj.fences(Usage.WRITE)).containsExactly(first, second);
  }

  /** Asked again with nothing added or signaled, fences returns the same list. */
  @Test
  void fences_askedAgainUnchanged_returnsSameList() {
    obj.lock();
    add(fence(), Usage.WRITE);
    add(fence(), Usage.READ);
    obj.unlock();
    List<Fence> first = obj.fences(Usage.READ);

    assertThat(obj.fences(Usage.READ)).isSameAs(first);
  }

  /**
   * A fence appended to the storage an answer was computed from (both adds under one reservation)
   * shows in the next answer: a kept answer is checked against appends, not only replacements.
   */
  @Test
  void fences_appendedToSameStorageAfterAnswer_isIncludedNextTime() {
    Fence first = fence();
    Fence second = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addFence(first, Usage.WRITE);
    assertThat(obj.fences(Usage.WRITE)).containsExactly(first);

    obj.addFence(second, Usage.WRITE);

    assertThat(obj.fences(Usage.WRITE)).containsExactly(first, second);
    obj.unlock();
  }

  /** A repeated answer (nothing changed in between) is unmodifiable too. */
  @Test
  void fences_repeatedAnswer_isUnmodifiable() {
    obj.lock();
    add(fence(), Usage.WRITE);
    obj.fences(Usage.WRITE);
    List<Fence> again = obj.fences(Usage.WRITE);

    assertThatThrownBy(() -> again.set(0, fence()))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  /** forAccess gives READ for a write and WRITE for a read. */
  @Test
  void forAccess_writeOrRead_givesUsageToWaitOn() {
    assertThat(Usage.forAccess(true)).isEqualTo(Usage.READ);
    assertThat(Usage.forAccess(false)).isEqualTo(Usage.WRITE);
  }

  /** The returned list is a snapshot that callers cannot modify. */
  @Test
  void fences_result_isUnmodifiable() {
    obj.lock();
    add(fence(), Usage.WRITE);
    List<Fence> list = obj.fences(Usage.WRITE);
    assertThatThrownBy(() -> list.add(fence())).isInstanceOf(UnsupportedOperationException.class);
  }

  /** singleton: null when nothing is pending. */
  @Test
  void singleton_noFence_isNull() {
    assertThat(obj.singleton(Usage.BOOKKEEP)).isNull();
  }

  /** singleton: the fence itself when exactly one is pending. */
  @Test
  void singleton_oneFence_isThatFence() {
    Fence f = fence();
    obj.lock();
    add(f, Usage.WRITE);
    add(fence(), Usage.READ);
    assertThat(obj.singleton(Usage.WRITE)).isSameAs(f);
  }

  /** singleton: a wait-all array when several are pending. */
  @Test
  void singleton_severalFences_isWaitAllArray() {
    Fence f1 = fence();
    Fence f2 = fence();
    obj.lock();
    add(f1, Usage.WRITE);
    add(f2, Usage.READ);
    Fence s = obj.singleton(Usage.READ);
    assertThat(s).isInstanceOf(FenceArray.class);
    f1.signal();
    assertThat(s.isSignaled()).isFalse();
    f2.signal();
    assertThat(s.isSignaled()).isTrue();
  }

  /** testSignaled is true only when nothing covered is pending. */
  @Test
  void testSignaled_pendingCoveredFence_isFalse() {
    Fence r = fence();
    obj.lock();
    add(r, Usage.READ);
    assertThat(obj.testSignaled(Usage.WRITE)).isTrue();
    assertThat(obj.testSignaled(Usage.READ)).isFalse();
    r.signal();
    assertThat(obj.testSignaled(Usage.BOOKKEEP)).isTrue();
  }

  /** A zero timeout polls: false while something is pending, true when nothing is. */
  @Test
  void await_zeroTimeout_polls() throws Exception {
    assertThat(obj.await(Usage.BOOKKEEP, Duration.ZERO)).isTrue();
    Fence f = fence();
    obj.lock();
    add(f, Usage.WRITE);
    assertThat(obj.await(Usage.WRITE, Duration.ZERO)).isFalse();
    assertThat(obj.await(Usage.KERNEL, Duration.ZERO)).isTrue();
  }

  /** await times out while a fence stays pending. */
  @Test
  void await_pendingFence_timesOut() throws Exception {
    obj.lock();
    add(fence(), Usage.WRITE);
    assertThat(obj.await(Usage.WRITE, 20, TimeUnit.MILLISECONDS)).isFalse();
  }

  /** await returns once every covered fence signals in another thread. */
  @Test
  void await_fencesSignaledByAnotherThread_returnsTrue() throws Exception {
    Fence f1 = fence();
    Fence f2 = fence();
    obj.lock();
    add(f1, Usage.WRITE);
    add(f2, Usage.READ);
    obj.unlock();
    Thread signaller =
        new Thread(
            () -> {
              f2.signal();
              f1.signal();
            });
    signaller.start();
    assertThat(obj.await(Usage.READ, TestSupport.LONG)).isTrue();
    signaller.join();
  }

  /** A fence that signals with an error still ends the wait successfully. */
  @Test
  void await_fenceSignaledWithError_returnsTrue() throws Exception {
    Fence f = fence();
    obj.lock();
    add(f, Usage.WRITE);
    f.signal(FenceError.EIO);
    assertThat(obj.await(Usage.WRITE, Duration.ZERO)).isTrue();
    assertThat(obj.testSignaled(Usage.WRITE)).isTrue();
  }

  /** A negative timeout is rejected, in both forms. */
  @Test
  void await_negativeTimeout_throwsIllegalArgument() {
    assertThatThrownBy(() -> obj.await(Usage.READ, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> obj.await(Usage.READ, -1, TimeUnit.SECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** An interrupted thread gets InterruptedException from await. */
  @Test
  void await_interrupted_throwsInterruptedException() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> obj.await(Usage.READ, Duration.ofSeconds(1)))
        .isInstanceOf(InterruptedException.class);
  }

  /** setDeadline reaches exactly the fences the usage covers. */
  @Test
  void setDeadline_usage_forwardsToCoveredFencesOnly() {
    RecordingFence w = new RecordingFence(FenceContexts.allocate(1), 1);
    RecordingFence r = new RecordingFence(FenceContexts.allocate(1), 1);
    obj.lock();
    add(w, Usage.WRITE);
    add(r, Usage.READ);
    obj.setDeadline(Usage.WRITE, 12345L);
    assertThat(w.deadline).isEqualTo(12345L);
    assertThat(r.deadline).isEqualTo(-1L);
  }

  /** Readers work while another thread holds the lock: they never lock. */
  @Test
  void readers_whileAnotherThreadHoldsLock_doNotBlock() throws Exception {
    Fence f = fence();
    obj.lock();
    add(f, Usage.WRITE);
    obj.unlock();
    try (Worker w = new Worker("writer")) {
      w.run(obj::lock);
      assertThat(obj.fences(Usage.READ)).containsExactly(f);
      assertThat(obj.testSignaled(Usage.READ)).isFalse();
      assertThat(obj.await(Usage.READ, Duration.ZERO)).isFalse();
      assertThat(obj.describe()).contains("write fence:");
      w.run(obj::unlock);
    }
  }

  // --- compaction --------------------------------------------------------------------------------

  /** Reserving slots compacts signaled fences away. */
  @Test
  void reserveFences_signaledFences_areCompacted() {
    Fence a = fence();
    Fence b = fence();
    Fence c = fence();
    obj.lock();
    obj.reserveFences(3);
    obj.addFence(a, Usage.READ);
    obj.addFence(b, Usage.READ);
    obj.addFence(c, Usage.READ);
    a.signal();
    c.signal();
    assertThat(obj.storedCount()).isEqualTo(3);

    obj.reserveFences(1);

    assertThat(obj.storedCount()).isEqualTo(1);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(b);
  }

  /** Storage grows as needed and appends keep working after many fences. */
  @Test
  void addFence_manyFences_allKept() {
    obj.lock();
    for (int i = 0; i < 100; i++) {
      add(fence(), Usage.READ);
    }
    assertThat(obj.fences(Usage.READ)).hasSize(100);
  }

  // --- classic exclusive + shared API
  // ---------------------------------------------------------------

  /** The exclusive fence drops every shared fence. */
  @Test
  void addExclusiveFence_dropsSharedFences() {
    obj.lock();
    obj.reserveFences(3);
    obj.addSharedFence(fence());
    obj.addSharedFence(fence());
    Fence x = fence();
    obj.addExclusiveFence(x);
    assertThat(obj.sharedFences()).isEmpty();
    assertThat(obj.exclusiveFence()).isSameAs(x);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(x);
  }

  /** A new exclusive fence replaces the previous one. */
  @Test
  void addExclusiveFence_previousExclusive_isReplaced() {
    Fence x1 = fence();
    Fence x2 = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addExclusiveFence(x1);
    obj.addExclusiveFence(x2);
    assertThat(obj.exclusiveFence()).isSameAs(x2);
    assertThat(obj.storedCount()).isEqualTo(1);
  }

  /** KERNEL and BOOKKEEP entries survive a new exclusive fence. */
  @Test
  void addExclusiveFence_kernelAndBookkeep_areKept() {
    Fence k = fence();
    Fence b = fence();
    Fence x = fence();
    obj.lock();
    add(k, Usage.KERNEL);
    add(b, Usage.BOOKKEEP);
    obj.reserveFences(1);
    obj.addExclusiveFence(x);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactlyInAnyOrder(k, b, x);
  }

  /** A shared fence replaces a shared fence of its context, with no ordering check. */
  @Test
  void addSharedFence_sameContext_replacesEvenIfEarlier() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    obj.lock();
    obj.reserveFences(2);
    obj.addSharedFence(f2);
    obj.addSharedFence(f1);
    assertThat(obj.sharedFences()).containsExactly(f1);
  }

  /** Adding shared fences keeps the exclusive fence. */
  @Test
  void addSharedFence_exclusivePresent_keepsExclusive() {
    Fence x = fence();
    Fence s = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addExclusiveFence(x);
    obj.addSharedFence(s);
    assertThat(obj.exclusiveFence()).isSameAs(x);
    assertThat(obj.sharedFences()).containsExactly(s);
  }

  /** exclusiveFence is null on an empty object; sharedFences empty. */
  @Test
  void exclusiveFence_empty_isNull() {
    assertThat(obj.exclusiveFence()).isNull();
    assertThat(obj.sharedFences()).isEmpty();
  }

  /** Several WRITE entries (usage API) show as one fence that waits for all of them. */
  @Test
  void exclusiveFence_severalWriteEntries_isMergedFence() {
    Fence w1 = fence();
    Fence w2 = fence();
    obj.lock();
    add(w1, Usage.WRITE);
    add(w2, Usage.WRITE);
    Fence x = obj.exclusiveFence();
    assertThat(x).isNotNull();
    w1.signal();
    assertThat(x.isSignaled()).isFalse();
    w2.signal();
    assertThat(x.isSignaled()).isTrue();
  }

  // --- strict mode -------------------------------------------------------------------------------

  /** Strict mode is off by default. */
  @Test
  void isStrict_default_isFalse() {
    assertThat(obj.isStrict()).isFalse();
  }

  /** In strict mode, an exclusive fence signaling before a fence it replaced is reported. */
  @Test
  void addExclusiveFence_strictAndSignalsTooEarly_reportsViolation() {
    List<String> reports = new CopyOnWriteArrayList<>();
    StrictMode.setViolationHandler(reports::add);
    obj.setStrict(true);
    Fence shared = fence();
    Fence x = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addSharedFence(shared);
    obj.addExclusiveFence(x);
    obj.unlock();

    x.signal();

    assertThat(reports).hasSize(1);
    assertThat(reports.get(0)).contains("signaled before");
  }

  /** In strict mode, an exclusive fence that signals after the fences it replaced is fine. */
  @Test
  void addExclusiveFence_strictAndSignalsInOrder_reportsNothing() {
    List<String> reports = new CopyOnWriteArrayList<>();
    StrictMode.setViolationHandler(reports::add);
    obj.setStrict(true);
    Fence shared = fence();
    Fence x = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addSharedFence(shared);
    obj.addExclusiveFence(x);
    obj.unlock();

    shared.signal();
    x.signal();

    assertThat(reports).isEmpty();
  }

  /** An exclusive fence added already signaled, over a pending one, is reported at once. */
  @Test
  void addExclusiveFence_strictAndAlreadySignaled_reportsViolation() {
    List<String> reports = new CopyOnWriteArrayList<>();
    StrictMode.setViolationHandler(reports::add);
    obj.setStrict(true);
    Fence x = fence();
    x.signal();
    obj.lock();
    obj.reserveFences(2);
    obj.addSharedFence(fence());
    obj.addExclusiveFence(x);
    assertThat(reports).hasSize(1);
  }

  /** Without strict mode, nothing is reported. */
  @Test
  void addExclusiveFence_notStrict_reportsNothing() {
    List<String> reports = new CopyOnWriteArrayList<>();
    StrictMode.setViolationHandler(reports::add);
    Fence x = fence();
    obj.lock();
    obj.reserveFences(2);
    obj.addSharedFence(fence());
    obj.addExclusiveFence(x);
    x.signal();
    assertThat(reports).isEmpty();
  }

  // --- copy and replace
  // ---------------------------------------------------------------------------

  /** copyFencesFrom takes the source's unsignaled fences with their usages and drops ours. */
  @Test
  void copyFencesFrom_source_copiesUnsignaledWithUsage() {
    ReservationObject src = new ReservationObject();
    Fence w = fence();
    Fence r = fence();
    Fence done = fence();
    src.lock();
    src.reserveFences(3);
    src.addFence(w, Usage.WRITE);
    src.addFence(r, Usage.READ);
    src.addFence(done, Usage.READ);
    src.unlock();
    done.signal();
    obj.lock();
    add(fence(), Usage.KERNEL);

    obj.copyFencesFrom(src);

    assertThat(obj.fences(Usage.WRITE)).containsExactly(w);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(w, r);
    assertThat(src.fences(Usage.BOOKKEEP)).containsExactly(w, r);
  }

  /** copyFencesFrom keeps the current reservations. */
  @Test
  void copyFencesFrom_keepsReservations() {
    ReservationObject src = new ReservationObject();
    obj.lock();
    obj.reserveFences(1);
    obj.copyFencesFrom(src);
    obj.addFence(fence(), Usage.READ);
    assertThat(obj.fences(Usage.READ)).hasSize(1);
  }

  /** copyFencesFrom needs the destination's lock. */
  @Test
  void copyFencesFrom_withoutLock_throwsIllegalState() {
    assertThatThrownBy(() -> obj.copyFencesFrom(new ReservationObject()))
        .isInstanceOf(IllegalStateException.class);
  }

  /** replaceFences swaps every entry of the context, with the new usage. */
  @Test
  void replaceFences_matchingContext_replacesAllEntries() {
    Fence f1 = ctx.next();
    Fence f2 = ctx.next();
    Fence other = fence();
    Fence repl = fence();
    obj.lock();
    add(f2, Usage.WRITE);
    add(f1, Usage.WRITE); // earlier: kept beside f2
    add(other, Usage.READ);

    obj.replaceFences(ctx.context(), repl, Usage.BOOKKEEP);

    assertThat(obj.fences(Usage.READ)).containsExactly(other);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(repl, repl, other);
  }

  /** replaceFences with no matching context changes nothing. */
  @Test
  void replaceFences_noMatchingContext_changesNothing() {
    Fence f = fence();
    obj.lock();
    add(f, Usage.READ);
    obj.replaceFences(-42, fence(), Usage.WRITE);
    assertThat(obj.fences(Usage.BOOKKEEP)).containsExactly(f);
  }

  /** replaceFences needs the lock. */
  @Test
  void replaceFences_withoutLock_throwsIllegalState() {
    assertThatThrownBy(() -> obj.replaceFences(1, fence(), Usage.READ))
        .isInstanceOf(IllegalStateException.class);
  }

  // --- describe and misc
  // --------------------------------------------------------------------------

  /** describe names the object, then prints one line per fence, starting with its usage. */
  @Test
  void describe_fences_oneLinePerFenceWithUsage() {
    obj.lock();
    add(fence(), Usage.KERNEL);
    add(fence(), Usage.WRITE);
    add(fence(), Usage.READ);
    add(fence(), Usage.BOOKKEEP);
    String[] lines = obj.describe().split("\n");
    assertThat(lines).hasSize(5);
    assertThat(lines[0]).startsWith(obj.name() + ": 4 fences");
    assertThat(lines[1]).startsWith("  kernel fence: ");
    assertThat(lines[2]).startsWith("  write fence: ");
    assertThat(lines[3]).startsWith("  read fence: ");
    assertThat(lines[4]).startsWith("  bookkeep fence: ");
  }

  /** describe of an empty object is its name and "no fences". */
  @Test
  void describe_empty_namesObject() {
    assertThat(obj.describe()).isEqualTo(obj.name() + ": no fences");
  }

  /** The default constructor uses the shared wait-die class; the lock methods share one mutex. */
  @Test
  void constructor_default_usesSharedWaitDieClass() {
    assertThat(obj.wwClass()).isSameAs(ReservationObject.WW_CLASS);
    assertThat(obj.wwClass().isWaitDie()).isTrue();
    assertThat(obj.tryLock()).isTrue();
    assertThat(obj.mutex().isLocked()).isTrue();
    assertThat(obj.isLocked()).isTrue();
    assertThat(obj.toString()).contains("locked");
    obj.mutex().unlock();
    assertThat(obj.isLocked()).isFalse();
  }

  /** Locking through mutex() is holding the object's lock: writers accept it. */
  @Test
  void mutex_lockedDirectly_allowsWriters() {
    try (WwAcquireContext c = new WwAcquireContext(obj.wwClass())) {
      assertThat(obj.mutex().lock(c)).isTrue();
      assertThat(obj.lock(c)).isFalse();
      add(fence(), Usage.READ);
      obj.unlock();
    }
    assertThat(obj.fences(Usage.READ)).hasSize(1);
  }

  /** A plain fence whose peek hook reports signaled once {@code done} is set. */
  static final class PeekedFence extends TestFence {
    volatile boolean done;

    PeekedFence() {
      super(FenceContexts.allocate(1), 1, "test", "peeked");
    }

    @Override
    protected boolean peekSignaled() {
      return done;
    }
  }
}
