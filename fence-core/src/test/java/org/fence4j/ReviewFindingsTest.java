package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Findings of an adversarial review of fence-core. Each test states one property of the API
 * contract or of the class Javadoc; the ones marked "FINDING" failed when written.
 */
class ReviewFindingsTest {

  private static Fence pending() {
    return FenceContext.create("review", "t").next();
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 1: the SIGNALING window is observable as "signaled" by setError but as "pending" by a
  // later isSignaled() in the same thread (Fence.setError treats SIGNALING as signaled without
  // waiting for publication; isSignaled() treats it as pending). The window is not "two stores
  // long": the winner relinks the whole listener list inside it.

  /** After setError has said "already signaled", isSignaled() in the same thread is true. */
  @Test
  void setError_rejectedAsAlreadySignaled_isSignaledIsTrueAfterwards() throws Exception {
    Fence fence = pending();
    FenceCallback noop = f -> {};
    for (int i = 0; i < 400_000; i++) {
      fence.addCallback(noop);
    }
    try (Spawned<Boolean> signaler = Spawned.start("signaler", fence::signal)) {
      long deadline = System.nanoTime() + 1_000_000_000L;
      boolean rejected = false;
      boolean signaledAfterRejection = true;
      while (!rejected && deadline - System.nanoTime() > 0) {
        try {
          fence.setError(FenceError.EIO);
        } catch (IllegalStateException e) {
          rejected = true;
          signaledAfterRejection = fence.isSignaled();
        }
      }
      signaler.join();
      assertThat(rejected).as("setError was rejected within the bound").isTrue();
      assertThat(signaledAfterRejection)
          .as("isSignaled() right after setError threw 'setError after signal'")
          .isTrue();
    }
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 2: a container fence signaled by its owner (cancellation: signal(ECANCELED)) keeps
  // its registrations on members that have not signaled. The rule: after it signals, a container
  // holds no callbacks on members that have not signaled yet.

  /** An armed any-array signaled directly holds no registration on its pending members. */
  @Test
  void anyArray_signaledDirectly_holdsNoRegistrationOnPendingMembers() {
    assertSignaledDirectlyHoldsNoRegistrationOnPendingMembers(FenceArray::any);
  }

  /** An armed all-array signaled directly holds no registration on its pending members. */
  @Test
  void allArray_signaledDirectly_holdsNoRegistrationOnPendingMembers() {
    assertSignaledDirectlyHoldsNoRegistrationOnPendingMembers(FenceArray::all);
  }

  /**
   * Arms an array of two pending members made by {@code kind}, signals it directly and checks that
   * it holds no registration on its members.
   */
  private static void assertSignaledDirectlyHoldsNoRegistrationOnPendingMembers(
      Function<List<Fence>, FenceArray> kind) {
    Fence a = pending();
    Fence b = pending();
    FenceArray array = kind.apply(List.of(a, b));
    array.enableSignaling();

    assertThat(array.signal(FenceError.ECANCELED)).isTrue();

    assertThat(Registrations.count(a) + Registrations.count(b)).isZero();
  }

  /** A chain link signaled directly does not go on arming itself on earlier fences. */
  @Test
  void chainLink_signaledDirectly_doesNotRearmOnEarlierFences() {
    Fence f1 = pending();
    Fence f2 = pending();
    FenceChain link1 = FenceChain.create(null, f1, 1);
    FenceChain link2 = FenceChain.create(link1, f2, 2);
    link2.enableSignaling(); // registers on f2

    assertThat(link2.signal(FenceError.ECANCELED)).isTrue();
    f2.signal(); // the stale registration fires and re-arms on f1

    assertThat(Registrations.count(f1)).isZero();
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 3: Fences.merge flattens a signal-on-any array into its members and so changes its
  // meaning to wait-all. The merge of an already signaled fence is then pending.

  /** Merging an any-array that has signaled gives a signaled fence. */
  @Test
  void merge_signaledAnyArrayWithPendingMember_isSignaled() {
    Fence a = pending();
    Fence b = pending();
    FenceArray any = FenceArray.any(List.of(a, b));
    a.signal();
    assertThat(any.isSignaled()).isTrue();

    Fence merged = Fences.merge(any);

    assertThat(merged.isSignaled()).isTrue();
  }

  /** Merging a pending any-array gives a fence that signals when one of its members does. */
  @Test
  void merge_pendingAnyArray_signalsWhenOneMemberSignals() {
    Fence a = pending();
    Fence b = pending();
    Fence merged = Fences.merge(FenceArray.any(List.of(a, b)));

    a.signal();

    assertThat(merged.isSignaled()).isTrue();
  }

  /** Merging an all-array that was signaled (cancelled) by its owner gives a signaled fence. */
  @Test
  void merge_cancelledAllArrayWithPendingMembers_isSignaled() {
    Fence a = pending();
    Fence b = pending();
    FenceArray all = FenceArray.all(List.of(a, b));
    all.signal(FenceError.ECANCELED);

    Fence merged = Fences.merge(all);

    assertThat(merged.isSignaled()).isTrue();
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 4: FenceChain error propagation loses an error when another walker collects the
  // failed link first. Class Javadoc: the link's error is "the first error this link observes
  // among the earlier fences it waits for (fences already collected before it armed do not
  // count)"; DECISIONS.md: "a failure inside a timeline is not silently turned into success".

  /** A link armed before an earlier fence failed reports that failure, whoever collects it. */
  @Test
  void chainLink_armedBeforeEarlierFailureCollectedViaMiddleLink_reportsFailure() {
    Fence f1 = pending();
    Fence f2 = pending();
    Fence f3 = pending();
    FenceChain link1 = FenceChain.create(null, f1, 1);
    FenceChain link2 = FenceChain.create(link1, f2, 2);
    FenceChain link3 = FenceChain.create(link2, f3, 3);
    link3.enableSignaling(); // armed on f3

    f1.signal(FenceError.EIO);
    f2.signal();
    assertThat(link2.error()).contains(FenceError.EIO); // polling link2 collected link1
    f3.signal();

    assertThat(link3.isSignaled()).isTrue();
    assertThat(link3.error()).contains(FenceError.EIO);
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 5: SoftwareTimeline.increment's Javadoc promised "their inline callbacks have run
  // when this returns"; called from inside a fence callback, the trampoline only queues them. The
  // Javadoc now says so (as the rule for signal does): they have run when the outermost signal
  // returns.

  /**
   * increment() called from a callback: the points' callbacks have run when the outer signal
   * returns.
   */
  @Test
  void increment_fromInsideCallback_pointCallbacksHaveRunWhenOuterSignalReturns() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("review")) {
      Fence point = timeline.createFence(1);
      AtomicBoolean pointCallbackRan = new AtomicBoolean();
      point.addCallback(f -> pointCallbackRan.set(true));
      Fence trigger = pending();
      trigger.addCallback(f -> timeline.increment(1));

      trigger.signal();

      assertThat(point.isSignaled()).isTrue();
      assertThat(pointCallbackRan).isTrue();
    }
  }

  // -------------------------------------------------------------------------------------------
  // FINDING 6 (hazard): the per-thread trampoline defers every signal made inside a callback, so
  // a callback that waits (bounded or not) for a fence derived from one it just signaled never
  // sees it signal: the derived fence's member callback is queued behind the waiting callback.

  /** A callback that signals a member, then waits for an armed array of it, sees it signal. */
  @Test
  void callback_signalsMemberThenAwaitsItsArray_arraySignalsWithinTimeout() {
    Fence trigger = pending();
    Fence member = pending();
    FenceArray derived = FenceArray.all(List.of(member));
    derived.enableSignaling();
    AtomicBoolean derivedSignaled = new AtomicBoolean();
    trigger.addCallback(
        f -> {
          member.signal();
          derivedSignaled.set(derived.awaitUninterruptibly(java.time.Duration.ofMillis(200)));
        });

    trigger.signal();

    assertThat(derivedSignaled).isTrue();
  }

  // -------------------------------------------------------------------------------------------
  // Properties that hold (not covered elsewhere as far as the review saw).

  /**
   * PASSES: a callback removing a later callback of the same fence during the signal gets false,
   * and that callback still runs once.
   */
  @Test
  void removeCallback_fromEarlierCallbackOfSameSignal_returnsFalseAndLaterStillRuns() {
    Fence fence = pending();
    AtomicBoolean laterRan = new AtomicBoolean();
    FenceCallback later = f -> laterRan.set(true);
    AtomicBoolean removed = new AtomicBoolean(true);
    fence.addCallback(f -> removed.set(f.removeCallback(later)));
    fence.addCallback(later);

    fence.signal();

    assertThat(removed).isFalse();
    assertThat(laterRan).isTrue();
  }

  /** PASSES: waitAny with the same pending fence twice leaves no registration after timeout. */
  @Test
  void waitAny_duplicateFenceTimesOut_leavesNoRegistration() throws Exception {
    Fence fence = pending();

    int index = Fences.waitAny(List.of(fence, fence), java.time.Duration.ofMillis(5));

    assertThat(index).isEqualTo(-1);
    assertThat(Registrations.count(fence)).isZero();
  }

  /** PASSES: an any-array with a duplicated loser removes both registrations when it signals. */
  @Test
  void anyArray_duplicateLoser_holdsNoRegistrationAfterSignal() {
    Fence winner = pending();
    Fence loser = pending();
    FenceArray any = FenceArray.any(List.of(loser, winner, loser));
    any.enableSignaling();

    winner.signal();

    assertThat(any.isSignaled()).isTrue();
    assertThat(Registrations.count(loser)).isZero();
  }

  /**
   * PASSES: setError racing signal is all-or-nothing: it either throws, or the fence signals with
   * that error.
   */
  @Test
  void setError_racingSignal_errorRecordedIffSetErrorReturned() throws Exception {
    Race.run(
        2000,
        () -> new Object[] {pending(), new AtomicBoolean()},
        List.of(
            s -> ((Fence) s[0]).signal(),
            s -> {
              try {
                ((Fence) s[0]).setError(FenceError.EIO);
                ((AtomicBoolean) s[1]).set(true);
              } catch (IllegalStateException e) {
                // lost the race
              }
            }),
        s -> {
          Fence f = (Fence) s[0];
          boolean set = ((AtomicBoolean) s[1]).get();
          assertThat(f.error().isPresent()).isEqualTo(set);
        });
  }
}
