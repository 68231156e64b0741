package org.fence4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** FenceChain: creation rules, signaling order, findSeqno, walking and garbage collection. */
class FenceChainTest {
  /** Stack for the thread that handles the million-link chain: far too small for recursion. */
  private static final long SMALL_STACK = 256 * 1024;

  private final FenceContext ctx = FenceContext.create("test-driver", "ring0");

  /** A chain of links with the given seqnos, each wrapping a new pending fence. */
  private static final class Chain {
    final List<Fence> fences = new ArrayList<>();
    final List<FenceChain> links = new ArrayList<>();

    Chain(FenceContext ctx, long... seqnos) {
      FenceChain head = null;
      for (long seqno : seqnos) {
        Fence fence = ctx.next();
        head = FenceChain.create(head, fence, seqno);
        fences.add(fence);
        links.add(head);
      }
    }

    FenceChain head() {
      return links.get(links.size() - 1);
    }

    FenceChain link(int index) {
      return links.get(index);
    }
  }

  // -------------------------------------------------------------------------------------------
  // create

  /** A chain link reports the kernel's names: driver "fence_chain", timeline "unbound". */
  @Test
  void names_anyLink_areFenceChainAndUnbound() {
    FenceChain link = FenceChain.create(null, ctx.next(), 1);

    assertThat(link.driverName()).isEqualTo("fence_chain");
    assertThat(link.timelineName()).isEqualTo("unbound");
  }

  /** The first link has the given seqno, a fresh context, prevSeqno 0 and no prev. */
  @Test
  void create_firstLink_freshContextGivenSeqnoNoPrev() {
    Fence fence = ctx.next();

    FenceChain link = FenceChain.create(null, fence, 5);

    assertThat(link.seqno()).isEqualTo(5L);
    assertThat(link.context()).isNotEqualTo(ctx.context()).isPositive();
    assertThat(link.prevSeqno()).isZero();
    assertThat(link.prev()).isNull();
    assertThat(link.fence()).isSameAs(fence);
  }

  /** On a chain with a lower seqno, a new link shares its context and records its seqno. */
  @Test
  void create_onChainWithLowerSeqno_sharesContextAndRecordsPrevSeqno() {
    FenceChain first = FenceChain.create(null, ctx.next(), 3);

    FenceChain second = FenceChain.create(first, ctx.next(), 7);

    assertThat(second.context()).isEqualTo(first.context());
    assertThat(second.seqno()).isEqualTo(7L);
    assertThat(second.prevSeqno()).isEqualTo(3L);
    assertThat(second.prev()).isSameAs(first);
  }

  /** On a chain with a higher or equal seqno, a new link gets a fresh context and the max seqno. */
  @Test
  void create_onChainWithHigherSeqno_freshContextAndMaxSeqno() {
    FenceChain first = FenceChain.create(null, ctx.next(), 9);

    FenceChain lower = FenceChain.create(first, ctx.next(), 4);
    FenceChain equal = FenceChain.create(first, ctx.next(), 9);

    assertThat(lower.context()).isNotEqualTo(first.context());
    assertThat(lower.seqno()).isEqualTo(9L);
    assertThat(lower.prevSeqno()).isZero();
    assertThat(equal.context()).isNotIn(first.context(), lower.context());
    assertThat(equal.seqno()).isEqualTo(9L);
  }

  /** On a plain (non-chain) fence, a new link gets a fresh context and the max seqno. */
  @Test
  void create_onPlainFence_freshContextAndMaxSeqno() {
    TestFence start = new TestFence(ctx.context(), 20L);

    FenceChain link = FenceChain.create(start, ctx.next(), 2);

    assertThat(link.context()).isNotEqualTo(start.context());
    assertThat(link.seqno()).isEqualTo(20L);
    assertThat(link.prevSeqno()).isZero();
    assertThat(link.prev()).isSameAs(start);
  }

  /** A link cannot wrap a chain: IllegalArgumentException. */
  @Test
  void create_fenceIsChain_throwsIllegalArgument() {
    FenceChain chain = FenceChain.create(null, ctx.next(), 1);

    assertThatIllegalArgumentException().isThrownBy(() -> FenceChain.create(null, chain, 2));
  }

  // -------------------------------------------------------------------------------------------
  // Signaling

  /** Signaling the middle fence first signals no link: each waits for the fences before it. */
  @Test
  void signal_middleFenceFirst_noLinkSignals() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    AtomicInteger linkRuns = new AtomicInteger();
    chain.links.forEach(link -> link.addCallback(f -> linkRuns.incrementAndGet()));

    chain.fences.get(1).signal();

    assertThat(linkRuns).hasValue(0);
    assertThat(chain.links).noneMatch(Fence::isSignaled);
  }

  /** A link signals once its own fence and every earlier fence have signaled, in any order. */
  @Test
  void signal_ownAndEarlierFencesSignaled_linkSignals() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    List<Long> signaledLinks = new CopyOnWriteArrayList<>(); // a steal may run some on a relay
    chain.links.forEach(link -> link.addCallback(f -> signaledLinks.add(f.seqno())));

    chain.fences.get(1).signal();
    chain.fences.get(2).signal();
    assertThat(signaledLinks).isEmpty();
    chain.fences.get(0).signal();

    assertThat(signaledLinks).containsExactlyInAnyOrder(1L, 2L, 3L);
  }

  /** A link whose own fence signaled stays pending while an earlier fence is pending. */
  @Test
  void isSignaled_ownFenceSignaledEarlierPending_isFalse() {
    Chain chain = new Chain(ctx, 1, 2);

    chain.fences.get(1).signal();

    assertThat(chain.head().isSignaled()).isFalse();
  }

  /** An unarmed link is found signaled by polling once all its fences have signaled. */
  @Test
  void isSignaled_unarmedAllFencesSignaled_isTrue() {
    Chain chain = new Chain(ctx, 1, 2, 3);

    chain.fences.forEach(Fence::signal);

    assertThat(chain.head().isSignaled()).isTrue();
  }

  /** A link takes the error of an earlier fence when its own fence has none. */
  @Test
  void error_earlierFenceFailed_linkReportsThatError() {
    Chain chain = new Chain(ctx, 1, 2);
    chain.head().enableSignaling();

    chain.fences.get(0).signal(FenceError.EIO);
    chain.fences.get(1).signal();

    assertThat(chain.head().error()).contains(FenceError.EIO);
  }

  /** A link's own fence error wins over an earlier fence's error. */
  @Test
  void error_ownFenceFailed_ownErrorWins() {
    Chain chain = new Chain(ctx, 1, 2);
    chain.head().enableSignaling();

    chain.fences.get(0).signal(FenceError.EIO);
    chain.fences.get(1).signal(FenceError.ETIME);

    assertThat(chain.head().error()).contains(FenceError.ETIME);
  }

  /** The ways to walk (and so collect) a chain, applied to link {@code index} of {@code chain}. */
  private static final List<String> COLLECTORS = List.of("prev", "walk", "findSeqno", "isSignaled");

  private static void collect(Chain chain, String how, int index) {
    FenceChain link = chain.link(index);
    switch (how) {
      case "prev":
        link.prev();
        break;
      case "walk":
        FenceChain.walk(link).forEach(f -> {});
        break;
      case "findSeqno":
        FenceChain.findSeqno(link, 1);
        break;
      default:
        link.isSignaled();
    }
  }

  /**
   * A link never signals without the error of an earlier link: whichever link failed, and however
   * the chain was walked and collected in between (from any link, before or after the failure),
   * every later link reports the failure.
   */
  @Test
  void error_earlierLinkFailedAndAnyCollection_everyLaterLinkReportsIt() {
    int length = 4;
    for (int failing = 0; failing < length; failing++) {
      for (String how : COLLECTORS) {
        for (int collector = 0; collector < length; collector++) {
          for (int signaledFirst = 0; signaledFirst <= length; signaledFirst++) {
            Chain chain = new Chain(ctx, 1, 2, 3, 4);
            for (int i = 0; i < length; i++) {
              if (i == signaledFirst) {
                collect(chain, how, collector);
              }
              if (i == failing) {
                chain.fences.get(i).signal(FenceError.EIO);
              } else {
                chain.fences.get(i).signal();
              }
            }
            collect(chain, how, collector);

            for (int i = failing; i < length; i++) {
              assertThat(chain.link(i).error())
                  .as("link %d, failing %d, %s on link %d", i, failing, how, collector)
                  .contains(FenceError.EIO);
            }
          }
        }
      }
    }
  }

  /** A link that takes an earlier fence's error also takes its cause. */
  @Test
  void cause_earlierFenceFailedWithCause_linkReportsThatCause() {
    Chain chain = new Chain(ctx, 1, 2);
    IllegalStateException cause = new IllegalStateException("boom");

    chain.fences.get(0).signal(FenceError.EIO, cause);
    chain.fences.get(1).signal();

    assertThat(chain.head().error()).contains(FenceError.EIO);
    assertThat(chain.head().cause()).containsSame(cause);
  }

  /** With several earlier failures, a link reports the newest, however the chain was collected. */
  @Test
  void error_severalEarlierFailures_newestWins() {
    for (String how : COLLECTORS) {
      for (int collector = 0; collector < 3; collector++) {
        Chain chain = new Chain(ctx, 1, 2, 3);
        chain.fences.get(0).signal(FenceError.EIO);
        collect(chain, how, collector);
        chain.fences.get(1).signal(FenceError.ETIME);
        collect(chain, how, collector);
        chain.fences.get(2).signal();

        assertThat(chain.head().error())
            .as("%s on link %d", how, collector)
            .contains(FenceError.ETIME);
      }
    }
  }

  /**
   * Races prev() of a middle link (collecting the failed first link) against isSignaled() of the
   * head (walking and collecting the same links): the head always reports the failure. The exact
   * interleaving is explored deterministically by {@link FenceChainLincheckTest}; this runs it on
   * real threads, bounded by rounds.
   */
  @Test
  void error_prevRacingIsSignaledOfLaterLink_headKeepsEarlierError() throws Exception {
    Race.run(
        2_000,
        () -> {
          Chain chain = new Chain(ctx, 1, 2, 3);
          chain.fences.get(0).signal(FenceError.EIO);
          chain.fences.get(1).signal();
          chain.fences.get(2).signal();
          return chain;
        },
        List.of(c -> c.link(1).prev(), c -> c.head().isSignaled()),
        c -> assertThat(c.head().status()).isEqualTo(FenceError.EIO.code()));
  }

  /** A deadline on a link reaches every pending fence it waits for. */
  @Test
  void setDeadline_pendingLink_forwardsToEveryFence() {
    try (SoftwareTimeline timeline = SoftwareTimeline.create("chain")) {
      Fence first = timeline.createFence(1);
      Fence second = timeline.createFence(2);
      FenceChain head = FenceChain.create(FenceChain.create(null, first, 1), second, 2);

      head.setDeadline(999L);

      assertThat(timeline.deadlineOf(first)).hasValue(999L);
      assertThat(timeline.deadlineOf(second)).hasValue(999L);
    }
  }

  // -------------------------------------------------------------------------------------------
  // findSeqno

  /** Seqno 0 returns the head itself, chain or not. */
  @Test
  void findSeqno_zero_returnsHead() {
    Chain chain = new Chain(ctx, 1, 2);
    Fence plain = ctx.next();

    assertThat(FenceChain.findSeqno(chain.head(), 0)).isSameAs(chain.head());
    assertThat(FenceChain.findSeqno(plain, 0)).isSameAs(plain);
  }

  /** A non-chain head with a point above 0 is an IllegalArgumentException. */
  @Test
  void findSeqno_nonChainHead_throwsIllegalArgument() {
    Fence plain = ctx.next();

    assertThatIllegalArgumentException().isThrownBy(() -> FenceChain.findSeqno(plain, 1));
  }

  /** A point beyond the head's seqno (not submitted yet) is an IllegalArgumentException. */
  @Test
  void findSeqno_beyondHead_throwsIllegalArgument() {
    Chain chain = new Chain(ctx, 1, 2);

    assertThatIllegalArgumentException().isThrownBy(() -> FenceChain.findSeqno(chain.head(), 3));
  }

  /** A negative point is an IllegalArgumentException. */
  @Test
  void findSeqno_negative_throwsIllegalArgument() {
    Chain chain = new Chain(ctx, 1);

    assertThatIllegalArgumentException().isThrownBy(() -> FenceChain.findSeqno(chain.head(), -1));
  }

  /** A point that has its own link returns that link. */
  @Test
  void findSeqno_existingPoint_returnsItsLink() {
    Chain chain = new Chain(ctx, 1, 2, 3);

    assertThat(FenceChain.findSeqno(chain.head(), 1)).isSameAs(chain.link(0));
    assertThat(FenceChain.findSeqno(chain.head(), 2)).isSameAs(chain.link(1));
    assertThat(FenceChain.findSeqno(chain.head(), 3)).isSameAs(chain.link(2));
  }

  /** A point in a gap between seqnos returns the first link above it, which signals it. */
  @Test
  void findSeqno_pointInGap_returnsNextLinkAbove() {
    Chain chain = new Chain(ctx, 2, 5, 9);

    assertThat(FenceChain.findSeqno(chain.head(), 1)).isSameAs(chain.link(0));
    assertThat(FenceChain.findSeqno(chain.head(), 4)).isSameAs(chain.link(1));
    assertThat(FenceChain.findSeqno(chain.head(), 6)).isSameAs(chain.link(2));
  }

  /** A point whose links were signaled and collected returns an already signaled fence. */
  @Test
  void findSeqno_pointCollected_returnsSignaledFence() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    chain.fences.get(0).signal();
    chain.fences.get(1).signal();
    FenceChain.walk(chain.head()).forEach(f -> {}); // collects the signaled links

    Fence found = FenceChain.findSeqno(chain.head(), 2);

    assertThat(found.isSignaled()).isTrue();
  }

  /** After earlier links are collected, a still pending point is still found. */
  @Test
  void findSeqno_afterCollection_findsPendingLink() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    chain.fences.get(0).signal();
    FenceChain.walk(chain.head()).forEach(f -> {});

    assertThat(FenceChain.findSeqno(chain.head(), 2)).isSameAs(chain.link(1));
  }

  /** findSeqno while another thread signals the fences never fails and stays consistent. */
  @Test
  void findSeqno_concurrentWithSignals_neverFailsAndStaysConsistent() throws Exception {
    int length = 2_000;
    long[] seqnos = new long[length];
    for (int i = 0; i < length; i++) {
      seqnos[i] = 2L * (i + 1); // gaps: points at odd values fall between links
    }
    Race.Party<Chain> signaler =
        c -> {
          for (int i = 0; i < length; i++) {
            c.fences.get(i).signal();
            if (i % 64 == 0) {
              Thread.yield(); // widen the window in which finders meet a half-signaled chain
            }
          }
        };
    Race.Party<Chain> finder =
        c -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          FenceChain head = c.head();
          while (!c.fences.get(length - 1).isSignaled()) {
            long point = 1 + random.nextLong(head.seqno());
            Fence found = FenceChain.findSeqno(head, point);
            if (found.isSignaled()) {
              // The point is done: the fence of the link that covers it has signaled.
              int covering = (int) ((point + 1) / 2) - 1;
              assertThat(c.fences.get(covering).isSignaled()).as("point %d", point).isTrue();
            }
          }
        };

    Race.run(
        10, // each round is itself thousands of racing lookups over a 2,000-link chain
        () -> new Chain(ctx, seqnos),
        List.of(signaler, finder, finder),
        c -> assertThat(FenceChain.findSeqno(c.head(), 1).isSignaled()).isTrue());
  }

  // -------------------------------------------------------------------------------------------
  // walk and garbage collection

  /** walk yields the head, each earlier link, then the non-chain fence the chain started on. */
  @Test
  void walk_pendingChain_yieldsNewestFirstThenStartFence() {
    Fence start = ctx.next();
    FenceChain first = FenceChain.create(start, ctx.next(), 1);
    FenceChain second = FenceChain.create(first, ctx.next(), 2);

    assertThat(FenceChain.walk(second)).containsExactly(second, first, start);
  }

  /** walk of a non-chain fence yields only that fence. */
  @Test
  void walk_nonChain_yieldsItself() {
    Fence plain = ctx.next();

    assertThat(FenceChain.walk(plain)).containsExactly(plain);
  }

  /** Walking unlinks the links whose fences have signaled. */
  @Test
  void walk_signaledLinks_areCollected() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    chain.fences.get(1).signal();

    assertThat(FenceChain.walk(chain.head())).containsExactly(chain.link(2), chain.link(0));
    assertThat(chain.head().prev()).isSameAs(chain.link(0));
  }

  /** The whole signaled prefix of a chain is collected, leaving the head without prev. */
  @Test
  void prev_allEarlierSignaled_isNull() {
    Chain chain = new Chain(ctx, 1, 2, 3);
    chain.fences.get(0).signal();
    chain.fences.get(1).signal();

    assertThat(chain.head().prev()).isNull();
    assertThat(chain.head().prevSeqno()).isEqualTo(2L);
  }

  /** A link collected from the chain is not kept reachable by the links after it. */
  @Test
  void walk_signaledLink_becomesUnreachable() {
    FenceContext local = FenceContext.create("d", "gc");
    Fence oldFence = local.next();
    FenceChain head = chainOverCollectableLink(oldFence, local.next());
    WeakReference<Fence> oldLink = new WeakReference<>(head.prev());

    oldFence.signal();
    FenceChain.walk(head).forEach(f -> {});

    Registrations.awaitCollected(oldLink);
    assertThat(head.prev()).isNull(); // keeps the head reachable until the old link is gone
  }

  private static FenceChain chainOverCollectableLink(Fence oldFence, Fence newFence) {
    return FenceChain.create(FenceChain.create(null, oldFence, 1), newFence, 2);
  }

  /**
   * Building, walking, searching, signaling and dropping a 1,000,000-link chain all run in constant
   * stack (on a thread with a small stack) and the chain is collectable afterwards.
   */
  @Test
  void walk_millionLinkChainLifecycle_runsInConstantStack() throws Exception {
    int length = 1_000_000;
    try (Spawned<WeakReference<FenceChain>> worker =
        Spawned.startWithStack("chain", SMALL_STACK, () -> millionLinkLifecycle(length))) {
      WeakReference<FenceChain> head = worker.join();
      Registrations.awaitCollected(head);
    }
  }

  private static WeakReference<FenceChain> millionLinkLifecycle(int length) {
    FenceContext producer = FenceContext.create("d", "long");
    List<Fence> fences = new ArrayList<>(length);
    FenceChain head = null;
    for (int i = 1; i <= length; i++) {
      Fence fence = producer.next();
      fences.add(fence);
      head = FenceChain.create(head, fence, i);
    }
    FenceChain last = head;
    AtomicInteger headRuns = new AtomicInteger();
    last.addCallback(f -> headRuns.incrementAndGet());

    long walked = 0;
    for (Fence link : FenceChain.walk(last)) {
      walked++;
    }
    assertThat(walked).isEqualTo(length);
    Fence oldest = FenceChain.findSeqno(last, 1);
    assertThat(oldest.seqno()).isOne();

    fences.forEach(Fence::signal);

    assertThat(headRuns).hasValue(1);
    assertThat(last.isSignaled()).isTrue();
    assertThat(FenceChain.walk(last)).containsExactly(last);
    return new WeakReference<>(last);
  }
}
