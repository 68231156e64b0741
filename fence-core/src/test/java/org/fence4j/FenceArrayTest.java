package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** FenceArray: wait-all and wait-any arrays. */
class FenceArrayTest {

  private static List<Fence> pendingFences(int n) {
    List<Fence> fences = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fences.add(FenceContext.create("d", "t" + i).next());
    }
    return fences;
  }

  // -------------------------------------------------------------------------------------------
  // Creation

  /** An array reports the kernel's names: driver "fence_array", timeline "unbound". */
  @Test
  void names_anyArray_areFenceArrayAndUnbound() {
    FenceArray array = FenceArray.all(List.of(FenceContext.create("d", "t").next()));

    assertThat(array.driverName()).isEqualTo("fence_array");
    assertThat(array.timelineName()).isEqualTo("unbound");
  }

  /** create() keeps the given context, seqno, mode and members in order. */
  @Test
  void create_givenIdentity_keepsContextSeqnoModeAndMembers() {
    List<Fence> members = pendingFences(3);

    FenceArray array = FenceArray.create(members, 77L, 5L, true);

    assertThat(array.context()).isEqualTo(77L);
    assertThat(array.seqno()).isEqualTo(5L);
    assertThat(array.signalOnAny()).isTrue();
    assertThat(array.fences()).containsExactlyElementsOf(members);
  }

  /** all() and any() use a fresh context each and seqno 1. */
  @Test
  void allAndAny_always_freshContextAndSeqnoOne() {
    List<Fence> members = pendingFences(2);

    FenceArray all = FenceArray.all(members);
    FenceArray any = FenceArray.any(members);

    assertThat(all.seqno()).isOne();
    assertThat(any.seqno()).isOne();
    assertThat(all.context()).isNotEqualTo(any.context()).isPositive();
    assertThat(all.signalOnAny()).isFalse();
    assertThat(any.signalOnAny()).isTrue();
  }

  /** An empty member list is an IllegalArgumentException for every factory. */
  @Test
  void create_emptyList_throwsIllegalArgument() {
    assertThatIllegalArgumentException().isThrownBy(() -> FenceArray.all(List.of()));
    assertThatIllegalArgumentException().isThrownBy(() -> FenceArray.any(List.of()));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FenceArray.create(List.of(), 1L, 1L, false));
  }

  /** An array member is an IllegalArgumentException: arrays do not nest. */
  @Test
  void all_nestedArray_throwsIllegalArgument() {
    FenceArray inner = FenceArray.all(pendingFences(2));
    List<Fence> members = List.of(pendingFences(1).get(0), inner);

    assertThatIllegalArgumentException().isThrownBy(() -> FenceArray.all(members));
    assertThatIllegalArgumentException().isThrownBy(() -> FenceArray.any(members));
  }

  /** A chain member is an IllegalArgumentException. */
  @Test
  void all_nestedChain_throwsIllegalArgument() {
    FenceChain chain = FenceChain.create(null, pendingFences(1).get(0), 1);

    assertThatIllegalArgumentException().isThrownBy(() -> FenceArray.all(List.of(chain)));
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FenceArray.create(List.of(chain), 1L, 1L, true));
  }

  // -------------------------------------------------------------------------------------------
  // Wait-all

  /** A wait-all array stays pending while any member is pending. */
  @Test
  void all_someMembersPending_staysPending() {
    List<Fence> members = pendingFences(3);
    FenceArray array = FenceArray.all(members);
    AtomicInteger runs = new AtomicInteger();
    array.addCallback(f -> runs.incrementAndGet());

    members.get(0).signal();
    members.get(2).signal();

    assertThat(array.isSignaled()).isFalse();
    assertThat(runs).hasValue(0);
  }

  /** A wait-all array signals, and runs its callbacks, when its last member signals. */
  @Test
  void all_lastMemberSignals_arraySignals() {
    List<Fence> members = pendingFences(3);
    FenceArray array = FenceArray.all(members);
    AtomicInteger runs = new AtomicInteger();
    array.addCallback(f -> runs.incrementAndGet());

    members.forEach(Fence::signal);

    assertThat(runs).hasValue(1);
    assertThat(array.status()).isOne();
  }

  /** A wait-all array's error is the first error among its members, in signal order. */
  @Test
  void all_membersSignalWithErrors_takesFirstErrorSeen() {
    List<Fence> members = pendingFences(3);
    FenceArray array = FenceArray.all(members);
    array.enableSignaling();

    members.get(1).signal(FenceError.EIO);
    members.get(0).signal(FenceError.ETIME);
    members.get(2).signal();

    assertThat(array.error()).contains(FenceError.EIO);
  }

  /** A member listed twice counts twice: the array signals once that member has signaled. */
  @Test
  void all_duplicateMember_signalsWhenItSignals() {
    Fence member = pendingFences(1).get(0);
    FenceArray array = FenceArray.all(List.of(member, member));
    array.enableSignaling();

    member.signal();

    assertThat(array.isSignaled()).isTrue();
    assertThat(Registrations.count(member)).isZero();
  }

  /** Arming an array whose members have all signaled signals it: addCallback returns false. */
  @Test
  void addCallback_allMembersAlreadySignaled_returnsFalseAndArraySignaled() {
    List<Fence> members = pendingFences(2);
    members.forEach(Fence::signal);
    FenceArray array = FenceArray.all(members);
    AtomicInteger runs = new AtomicInteger();

    assertThat(array.addCallback(f -> runs.incrementAndGet())).isFalse();

    assertThat(array.isSignaled()).isTrue();
    assertThat(runs).hasValue(0);
  }

  // -------------------------------------------------------------------------------------------
  // Wait-any

  /** A wait-any array signals when its first member signals. */
  @Test
  void any_oneMemberSignals_arraySignals() {
    List<Fence> members = pendingFences(3);
    FenceArray array = FenceArray.any(members);
    AtomicInteger runs = new AtomicInteger();
    array.addCallback(f -> runs.incrementAndGet());

    members.get(2).signal();

    assertThat(runs).hasValue(1);
    assertThat(array.status()).isOne();
  }

  /** A wait-any array takes the error of the member that signaled it. */
  @Test
  void any_winnerSignalsWithError_takesWinnersError() {
    List<Fence> members = pendingFences(2);
    FenceArray array = FenceArray.any(members);
    array.enableSignaling();

    members.get(1).signal(FenceError.ECANCELED);
    members.get(0).signal(FenceError.EIO);

    assertThat(array.error()).contains(FenceError.ECANCELED);
  }

  /** After a wait-any array signals, the members that did not win hold none of its callbacks. */
  @Test
  void any_afterSignal_losersHoldNoRegistration() {
    List<Fence> members = pendingFences(4);
    FenceArray array = FenceArray.any(members);
    array.enableSignaling();
    assertThat(members).allMatch(m -> Registrations.count(m) == 1);

    members.get(1).signal();

    assertThat(array.isSignaled()).isTrue();
    assertThat(members).allMatch(m -> Registrations.count(m) == 0);
  }

  /**
   * A wait-all array signaled by its owner (a cancel) while members are pending leaves none of its
   * callbacks on them (only a wait-all array signaled by its count has no member to clean up).
   */
  @Test
  void all_signaledByOwner_pendingMembersHoldNoRegistration() {
    List<Fence> members = pendingFences(4);
    FenceArray array = FenceArray.all(members);
    array.enableSignaling();
    members.get(0).signal();

    array.signal(FenceError.ECANCELED);

    assertThat(members.subList(1, 4)).allMatch(m -> Registrations.count(m) == 0);
  }

  /** After a wait-any array signals, long-lived losers do not keep the array reachable. */
  @Test
  void any_afterSignal_losersDoNotKeepArrayReachable() {
    List<Fence> members = pendingFences(3);
    AtomicBoolean arraySignaled = new AtomicBoolean();
    WeakReference<FenceArray> array = armedAnyArray(members, arraySignaled);

    members.get(0).signal();

    assertThat(arraySignaled).isTrue();
    Registrations.awaitCollected(array);
    assertThat(members.get(1).isSignaled()).isFalse(); // the losers are still alive and pending
  }

  /** Builds a wait-any array with a callback, armed on {@code members}; keeps only a weak ref. */
  private static WeakReference<FenceArray> armedAnyArray(
      List<Fence> members, AtomicBoolean signaled) {
    FenceArray array = FenceArray.any(members);
    array.addCallback(f -> signaled.set(true));
    return new WeakReference<>(array);
  }

  /** Arming a wait-any array races a member's signal: it signals once and leaves no callback. */
  @Test
  void any_armingRacesMemberSignal_signalsOnceAndLeavesNoRegistration() throws Exception {
    class Round {
      final List<Fence> members = pendingFences(3);
      final FenceArray array = FenceArray.any(members);
      final AtomicInteger runs = new AtomicInteger();
      volatile boolean added;
    }
    Race.Party<Round> armer = r -> r.added = r.array.addCallback(f -> r.runs.incrementAndGet());
    Race.Party<Round> signaler = r -> r.members.get(1).signal();

    Race.run(
        2_000,
        Round::new,
        List.of(armer, signaler),
        r -> {
          assertThat(r.array.isSignaled()).isTrue();
          assertThat(r.runs).hasValue(r.added ? 1 : 0);
          assertThat(r.members).allMatch(m -> Registrations.count(m) == 0);
        });
  }

  // -------------------------------------------------------------------------------------------
  // Before arming: peek

  /** Before arming, isSignaled() of a wait-all array is true once every member is signaled. */
  @Test
  void isSignaled_unarmedAllWithEveryMemberSignaled_isTrue() {
    List<Fence> members = pendingFences(2);
    FenceArray array = FenceArray.all(members);
    members.get(0).signal();
    assertThat(array.isSignaled()).isFalse();

    members.get(1).signal();

    assertThat(array.isSignaled()).isTrue();
  }

  /** Before arming, isSignaled() of a wait-any array is true once one member is signaled. */
  @Test
  void isSignaled_unarmedAnyWithOneMemberSignaled_isTrue() {
    List<Fence> members = pendingFences(3);
    FenceArray array = FenceArray.any(members);
    assertThat(array.isSignaled()).isFalse();

    members.get(2).signal();

    assertThat(array.isSignaled()).isTrue();
  }

  /** Before arming, the peeked array reports its member's error. */
  @Test
  void status_unarmedMemberSignaledWithError_isThatError() {
    List<Fence> members = pendingFences(2);
    FenceArray array = FenceArray.all(members);
    members.get(0).signal();
    members.get(1).signal(FenceError.ENODATA);

    assertThat(array.status()).isEqualTo(FenceError.ENODATA.code());
  }

  /** Polling an unarmed array registers nothing on its members. */
  @Test
  void isSignaled_unarmed_registersNothingOnMembers() {
    List<Fence> members = pendingFences(2);
    FenceArray array = FenceArray.all(members);

    array.isSignaled();
    array.status();

    assertThat(members).allMatch(m -> Registrations.count(m) == 0);
  }

  // -------------------------------------------------------------------------------------------
  // Deadlines

  /** A deadline set on the array is forwarded to every member. */
  @Test
  void setDeadline_pendingArray_forwardsToEveryMember() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("members")) {
      Fence first = timeline.createFence(1);
      Fence second = timeline.createFence(2);
      FenceArray array = FenceArray.all(List.of(first, second));

      array.setDeadline(12_345L);

      assertThat(timeline.deadlineOf(first)).hasValue(12_345L);
      assertThat(timeline.deadlineOf(second)).hasValue(12_345L);
    }
  }
}
