package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Fences.unwrap and Fences.merge. */
class FencesTest {

  private static Fence pending() {
    return FenceContext.create("d", "t").next();
  }

  // -------------------------------------------------------------------------------------------
  // unwrap

  /** A plain fence unwraps to itself. */
  @Test
  void unwrap_plainFence_yieldsItself() {
    Fence fence = pending();

    assertThat(Fences.unwrap(fence)).containsExactly(fence);
  }

  /** An array unwraps to its members, in order. */
  @Test
  void unwrap_array_yieldsMembersInOrder() {
    Fence a = pending();
    Fence b = pending();

    assertThat(Fences.unwrap(FenceArray.any(List.of(a, b)))).containsExactly(a, b);
  }

  /** A chain unwraps to the fence of each link, newest first, then its start fence. */
  @Test
  void unwrap_chain_yieldsLinkFencesNewestFirst() {
    Fence start = pending();
    Fence first = pending();
    Fence second = pending();
    FenceChain head = FenceChain.create(FenceChain.create(start, first, 1), second, 2);

    assertThat(Fences.unwrap(head)).containsExactly(second, first, start);
  }

  /** A chain whose links wrap arrays unwraps to the arrays' members. */
  @Test
  void unwrap_chainOfArrays_yieldsArrayMembers() {
    Fence a = pending();
    Fence b = pending();
    Fence c = pending();
    FenceChain first = FenceChain.create(null, FenceArray.all(List.of(a, b)), 1);
    FenceChain head = FenceChain.create(first, c, 2);

    assertThat(Fences.unwrap(head)).containsExactly(c, a, b);
  }

  /** unwrap yields leaves only: the any-array that merge keeps whole is unwrapped too. */
  @Test
  void unwrap_mergeHoldingAnyArray_yieldsLeavesOnly() {
    Fence p1 = pending();
    Fence p2 = pending();
    Fence p3 = pending();

    List<Fence> leaves = Fences.unwrap(Fences.merge(p1, FenceArray.any(List.of(p2, p3))));

    assertThat(leaves).containsExactlyInAnyOrder(p1, p2, p3);
  }

  /** A chain link wrapping a merged array that holds an any-array unwraps to leaves only. */
  @Test
  void unwrap_chainOfMergeHoldingAnyArray_yieldsLeavesOnly() {
    Fence p1 = pending();
    Fence p2 = pending();
    Fence p3 = pending();
    Fence p4 = pending();
    FenceChain first =
        FenceChain.create(null, Fences.merge(p1, FenceArray.any(List.of(p2, p3))), 1);
    FenceChain head = FenceChain.create(first, p4, 2);

    assertThat(Fences.unwrap(head)).containsExactly(p4, p1, p2, p3);
  }

  /**
   * A container that merge keeps as one signaled leaf (an array cancelled by its owner) unwraps.
   */
  @Test
  void unwrap_mergeHoldingCancelledArray_yieldsLeavesOnly() {
    Fence x = pending();
    Fence y = pending();
    FenceArray cancelled = FenceArray.all(List.of(x, y));
    cancelled.signal(FenceError.ECANCELED);
    Fence p = pending();

    Fence merged = Fences.merge(cancelled, p);

    assertThat(Fences.unwrap(merged)).containsExactlyInAnyOrder(p, x, y);
  }

  /** Merges of merges nest containers; unwrap still yields only leaves, each once per path. */
  @Test
  void unwrap_mergesOfMerges_neverYieldsContainers() {
    Fence merged = pending();
    for (int i = 0; i < 50; i++) {
      FenceArray cancelled = FenceArray.all(List.of(pending(), pending()));
      cancelled.signal(FenceError.ECANCELED);
      merged = Fences.merge(merged, cancelled, FenceArray.any(List.of(pending(), pending())));
    }

    assertThat(Fences.unwrap(merged))
        .isNotEmpty()
        .noneMatch(f -> f instanceof FenceArray || f instanceof FenceChain);
  }

  // -------------------------------------------------------------------------------------------
  // merge

  /** merge flattens arrays and chains into a wait-all array of their leaves. */
  @Test
  void merge_arraysAndChains_flattensToLeaves() {
    Fence a = pending();
    Fence b = pending();
    Fence c = pending();
    Fence d = pending();
    FenceArray array = FenceArray.all(List.of(a, b));
    FenceChain chain = FenceChain.create(FenceChain.create(null, c, 1), d, 2);

    Fence merged = Fences.merge(array, chain);

    assertThat(merged).isInstanceOf(FenceArray.class);
    assertThat(((FenceArray) merged).fences()).containsExactlyInAnyOrder(a, b, c, d);
  }

  /** A pending signal-on-any array is kept whole: flattening would turn "any" into "all". */
  @Test
  void merge_pendingAnyArray_isKeptWhole() {
    Fence a = pending();
    Fence b = pending();
    Fence c = pending();
    FenceArray any = FenceArray.any(List.of(a, b));

    Fence merged = Fences.merge(any, c);

    assertThat(merged).isInstanceOf(FenceArray.class);
    assertThat(((FenceArray) merged).fences()).containsExactlyInAnyOrder(any, c);
  }

  /** The merged array waits for all its leaves. */
  @Test
  void merge_severalPending_returnsWaitAllArray() {
    Fence merged = Fences.merge(pending(), pending());

    assertThat(merged)
        .isInstanceOfSatisfying(
            FenceArray.class, array -> assertThat(array.signalOnAny()).isFalse());
  }

  /** merge drops leaves that have already signaled. */
  @Test
  void merge_signaledLeaves_areDropped() {
    Fence a = pending();
    Fence b = pending();
    Fence done = pending();
    done.signal();

    Fence merged = Fences.merge(List.of(a, done, b));

    assertThat(((FenceArray) merged).fences()).containsExactlyInAnyOrder(a, b);
  }

  /** Of several leaves of one context, merge keeps the one with the later seqno. */
  @Test
  void merge_twoLeavesOfOneContext_keepsLaterSeqno() {
    FenceContext ctx = FenceContext.create("d", "t");
    Fence early = ctx.next();
    Fence late = ctx.next();
    Fence other = pending();

    Fence merged = Fences.merge(late, other, early);

    assertThat(((FenceArray) merged).fences()).containsExactlyInAnyOrder(late, other);
  }

  /** merge orders the remaining leaves by context. */
  @Test
  void merge_leavesOfSeveralContexts_orderedByContext() {
    Fence first = pending();
    Fence second = pending();
    Fence third = pending();

    Fence merged = Fences.merge(third, first, second);

    assertThat(((FenceArray) merged).fences()).containsExactly(first, second, third);
  }

  /** With one pending leaf left, merge returns that fence itself. */
  @Test
  void merge_onePendingLeaf_returnsThatFence() {
    Fence survivor = pending();
    Fence done = pending();
    done.signal();

    assertThat(Fences.merge(done, FenceArray.all(List.of(survivor)))).isSameAs(survivor);
  }

  /** With nothing pending, merge returns a signaled fence stamped with the latest signal time. */
  @Test
  void merge_nothingPending_returnsSignaledFenceWithLatestTimestamp() {
    long base = System.nanoTime();
    Fence a = pending();
    Fence b = pending();
    Fence c = pending();
    a.signal(base + 100);
    b.signal(base + 300);
    c.signal(base + 200);

    Fence merged = Fences.merge(a, FenceArray.all(List.of(b, c)));

    assertThat(merged.isSignaled()).isTrue();
    assertThat(merged.timestampNanos()).isEqualTo(base + 300);
  }

  /**
   * A failed leaf is not merged away (a documented difference from the kernel): with nothing
   * pending, merge returns a signaled fence carrying its error, stamped with the latest time.
   */
  @Test
  void merge_nothingPendingOneFailed_returnsSignaledFenceWithErrorAndLatestTimestamp() {
    long base = System.nanoTime();
    Fence ok = pending();
    Fence failed = pending();
    ok.signal(base + 500);
    failed.setError(FenceError.EIO);
    failed.signal(base + 100);

    Fence merged = Fences.merge(ok, failed);

    assertThat(merged.error()).contains(FenceError.EIO);
    assertThat(merged.timestampNanos()).isEqualTo(base + 500);
  }

  /** A failed leaf merged with pending leaves makes the merged fence report the failure. */
  @Test
  void merge_failedLeafAndPendingLeaves_mergedReportsFailure() {
    Fence failed = pending();
    failed.signal(FenceError.ETIME);
    Fence a = pending();
    Fence b = pending();

    Fence merged = Fences.merge(a, failed, b);
    assertThat(merged.isSignaled()).isFalse();
    a.signal();
    b.signal();

    assertThat(merged.error()).contains(FenceError.ETIME);
  }

  /** A failed leaf merged with one pending leaf makes the merged fence report the failure. */
  @Test
  void merge_failedLeafAndOnePendingLeaf_mergedReportsFailure() {
    Fence failed = pending();
    failed.signal(FenceError.ETIME);
    Fence survivor = pending();

    Fence merged = Fences.merge(failed, survivor);
    assertThat(merged.isSignaled()).isFalse();
    survivor.signal();

    assertThat(merged.error()).contains(FenceError.ETIME);
  }

  /** Of several failed leaves, merge keeps the first one's error. */
  @Test
  void merge_severalFailedLeaves_keepsFirstError() {
    Fence first = pending();
    Fence second = pending();
    first.signal(FenceError.EIO);
    second.signal(FenceError.ETIME);

    assertThat(Fences.merge(first, second).error()).contains(FenceError.EIO);
  }

  /** A failure is kept even when a later, still pending fence of its context is merged with it. */
  @Test
  void merge_failedLeafAndLaterPendingLeafOfSameContext_mergedReportsFailure() {
    FenceContext ctx = FenceContext.create("d", "t");
    Fence failed = ctx.next();
    Fence later = ctx.next();
    failed.signal(FenceError.EIO);

    Fence merged = Fences.merge(failed, later);
    later.signal();

    assertThat(merged.error()).contains(FenceError.EIO);
  }

  /** The merge of a failed leaf and a later pending leaf of its context waits for the latter. */
  @Test
  void merge_failedLeafAndLaterPendingLeafOfSameContext_staysPendingUntilItSignals() {
    FenceContext ctx = FenceContext.create("d", "t");
    Fence failed = ctx.next();
    Fence later = ctx.next();
    failed.signal(FenceError.EIO);

    Fence merged = Fences.merge(failed, later);

    assertThat(merged.isSignaled()).isFalse();
    later.signal();
    assertThat(merged.isSignaled()).isTrue();
  }

  /** merge of no fences at all returns a signaled fence. */
  @Test
  void merge_noInput_returnsSignaledFence() {
    assertThat(Fences.merge().isSignaled()).isTrue();
    assertThat(Fences.merge(List.of()).isSignaled()).isTrue();
  }

  /** The merged fence signals once every pending input has signaled. */
  @Test
  void merge_inputsSignal_mergedSignals() {
    Fence a = pending();
    Fence b = pending();
    Fence merged = Fences.merge(a, b);

    a.signal();
    assertThat(merged.isSignaled()).isFalse();
    b.signal();

    assertThat(merged.isSignaled()).isTrue();
  }

  /** merge still keeps an any-array whole when it comes inside an earlier merge's array. */
  @Test
  void merge_mergedArrayHoldingAnyArray_keepsAnyArrayWhole() {
    Fence p1 = pending();
    Fence p2 = pending();
    Fence p3 = pending();
    Fence p4 = pending();
    FenceArray any = FenceArray.any(List.of(p2, p3));

    Fence merged = Fences.merge(Fences.merge(p1, any), p4);
    p1.signal();
    p4.signal();
    p3.signal();

    assertThat(((FenceArray) merged).fences()).containsExactlyInAnyOrder(p1, any, p4);
    assertThat(merged.isSignaled()).isTrue();
  }

  // -------------------------------------------------------------------------------------------
  // merge keeps failures through chains

  /**
   * A chain link whose earlier link failed will signal with that error, so merging the link keeps
   * the failure even though the link's own fence is pending and will succeed.
   */
  @Test
  void merge_pendingLinkAfterFailedLink_mergedReportsFailure() {
    Fence f1 = pending();
    Fence f2 = pending();
    FenceChain link2 = FenceChain.create(FenceChain.create(null, f1, 1), f2, 2);
    f1.signal(FenceError.EIO);

    Fence merged = Fences.merge(link2);
    f2.signal();

    assertThat(link2.error()).contains(FenceError.EIO);
    assertThat(merged.error()).contains(FenceError.EIO);
  }

  /** The same when the failed link was already collected out of the chain before the merge. */
  @Test
  void merge_pendingLinkAfterCollectedFailedLink_mergedReportsFailure() {
    Fence f1 = pending();
    Fence f2 = pending();
    FenceChain link2 = FenceChain.create(FenceChain.create(null, f1, 1), f2, 2);
    f1.signal(FenceError.EIO);
    assertThat(link2.prev()).isNull(); // collects link 1

    Fence merged = Fences.merge(link2, pending());
    f2.signal();
    Fences.unwrap(merged).forEach(Fence::signal);

    assertThat(merged.error()).contains(FenceError.EIO);
  }

  /** A signaled link whose failed links were collected still makes the merge fail. */
  @Test
  void merge_signaledLinkWithCollectedFailure_mergedReportsFailure() {
    Fence f1 = pending();
    Fence f2 = pending();
    FenceChain link2 = FenceChain.create(FenceChain.create(null, f1, 1), f2, 2);
    f1.signal(FenceError.EIO);
    f2.signal();
    assertThat(link2.error()).contains(FenceError.EIO);
    FenceChain.walk(link2).forEach(f -> {}); // collects link 1: only f2 (no error) is left

    Fence merged = Fences.merge(link2);

    assertThat(merged.error()).contains(FenceError.EIO);
  }

  /**
   * The rule for every position of a failure in a chain, with and without collection first: once
   * everything has signaled, the merge of the head fails exactly when the head does.
   */
  @Test
  void merge_chainWithFailureAnywhere_failsExactlyWhenHeadFails() {
    int length = 5;
    for (int failing = -1; failing < length; failing++) {
      for (int signaledBeforeMerge = 0; signaledBeforeMerge <= length; signaledBeforeMerge++) {
        for (boolean collect : new boolean[] {false, true}) {
          List<Fence> fences = new java.util.ArrayList<>();
          FenceChain head = null;
          for (int i = 0; i < length; i++) {
            Fence f = pending();
            fences.add(f);
            head = FenceChain.create(head, f, i + 1);
          }
          for (int i = 0; i < signaledBeforeMerge; i++) {
            signal(fences.get(i), i == failing);
          }
          if (collect) {
            FenceChain.walk(head).forEach(f -> {});
          }

          Fence merged = Fences.merge(head);
          for (int i = signaledBeforeMerge; i < length; i++) {
            signal(fences.get(i), i == failing);
          }

          String round =
              "failing " + failing + ", signaled " + signaledBeforeMerge + ", collect " + collect;
          assertThat(head.status()).as(round).isEqualTo(failing < 0 ? 1 : FenceError.EIO.code());
          assertThat(merged.status()).as(round).isEqualTo(head.status());
        }
      }
    }
  }

  private static void signal(Fence fence, boolean fail) {
    if (fail) {
      fence.signal(FenceError.EIO);
    } else {
      fence.signal();
    }
  }
}
