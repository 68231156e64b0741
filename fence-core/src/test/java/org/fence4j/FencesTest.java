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
}
