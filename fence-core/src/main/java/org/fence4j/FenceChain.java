package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A link of a timeline built out of fences (the backing of a timeline syncobj): each link wraps a
 * fence and points to the previous link, and signals when its own fence and the fences of every
 * earlier link have signaled.
 *
 * <pre>{@code
 * Fence head = null;
 * head = FenceChain.create(head, frame1Done, 1);
 * head = FenceChain.create(head, frame2Done, 2);
 * Fence point1 = FenceChain.findSeqno(head, 1);   // signals once frame1Done has
 * }</pre>
 *
 * <p>Links of one chain share a context when their seqnos increase; a link whose seqno does not
 * exceed its predecessor's starts a new context. {@link #walk} and {@link #findSeqno} collect
 * garbage as they go: a link whose fence has signaled is unlinked from its successor, so a
 * long-lived chain does not keep finished work reachable. Every walk is iterative; chains of any
 * length can be walked, signaled and dropped without deep recursion.
 *
 * <p>The error of a link is the error of its own fence, else the error of the newest earlier link's
 * fence that failed, with that fence's {@link #cause() cause}. A link never signals without an
 * error when an earlier link's fence failed, whatever walks, lookups or collections ran on the
 * chain meanwhile: a link collected out of the chain hands its known failure on to the link that
 * collected it.
 *
 * <p>Thread-safe.
 */
public final class FenceChain extends Fence {
  /*
   * Implementation overview: `prev` is volatile and only ever moves further back (garbage
   * collection replaces it with prev's own prev by CAS, when prev's fence has signaled), so
   * concurrent walkers always see a well-formed chain. When signaling is enabled the link arms
   * one callback on the newest unsignaled fence among its own and the earlier links' fences; when
   * that fires (in the dispatcher, so no recursion) it re-arms on the next one, and signals the
   * link when none is left.
   *
   * Errors: `firstFailed` is the first failed fence this link has found among its own and the
   * earlier links' fences, set once by CAS. Before a collector unlinks a signaled link `pc` from
   * `link` it notes pc's fence and pc's own `firstFailed` into `link`, and only then CASes
   * `link.prev`. The collector reads `pc.prev` (the replacement) *before* `pc.firstFailed`: every
   * link unlinked from behind pc up to that prev had its failure noted into pc before the CAS that
   * the collector's read observed, so the failure is either still reachable through the
   * replacement or already in pc.firstFailed. (Read the other way round, a concurrent collection
   * behind pc could slip between the two reads and its failure would be lost.) Walks note
   * failures newest first, so the first one noted is the newest.
   */

  private final Fence fence;
  private final long prevSeqno;
  private volatile @Nullable Fence prev;

  /** The first failed fence found among this link's and the earlier links' fences; set once. */
  private volatile @Nullable Fence firstFailed;

  private final FenceCallback rearm = f -> arm();

  /** The fence {@link #rearm} is registered on, or null; cleared by the link's own signal. */
  private volatile @Nullable Fence armedOn;

  private FenceChain(@Nullable Fence prev, Fence fence, long context, long seqno, long prevSeqno) {
    super(context, seqno);
    this.prev = prev;
    this.fence = fence;
    this.prevSeqno = prevSeqno;
  }

  /**
   * Creates a link on top of {@code prev}.
   *
   * <p>If {@code prev} is a chain with a lower seqno, the new link shares its context and has seqno
   * {@code seqno}; otherwise it gets a fresh context and seqno {@code max(prev.seqno(), seqno)}.
   *
   * @param prev the previous link or fence, or {@code null} for the first link
   * @param fence the fence this link wraps; must not be a chain
   * @param seqno the link's point on the timeline, {@code >= 0}
   * @return the new link
   * @throws IllegalArgumentException if {@code fence} is a chain or {@code seqno} is negative
   * @throws NullPointerException if {@code fence} is null
   */
  public static FenceChain create(@Nullable Fence prev, Fence fence, long seqno) {
    Objects.requireNonNull(fence, "fence");
    if (fence instanceof FenceChain) {
      throw new IllegalArgumentException(
          "a chain link cannot wrap a chain (link through prev instead): " + fence.describe());
    }
    if (seqno < 0) {
      throw new IllegalArgumentException("seqno must not be negative, was " + seqno);
    }
    if (prev instanceof FenceChain && prev.seqno() < seqno) {
      return new FenceChain(prev, fence, prev.context(), seqno, prev.seqno());
    }
    long linkSeqno = prev == null ? seqno : Math.max(prev.seqno(), seqno);
    return new FenceChain(prev, fence, FenceContexts.allocate(1), linkSeqno, 0L);
  }

  /**
   * Returns the previous link (or fence), after collecting signaled links behind this one.
   *
   * @return the previous link, or {@code null} at the start of the chain or when everything before
   *     this link has signaled and been collected
   */
  public @Nullable Fence prev() {
    return prevCollected(this);
  }

  /** The previous link as it is now, for diagnosis: no garbage collection, no peek hook. */
  @Nullable Fence prevForDebug() {
    return prev;
  }

  /**
   * Returns the fence this link wraps.
   *
   * @return the wrapped fence
   */
  public Fence fence() {
    return fence;
  }

  /**
   * Returns the seqno of the previous link when this link was created in its context (0 if it
   * started a context); kept across garbage collection.
   *
   * @return the previous seqno
   */
  public long prevSeqno() {
    return prevSeqno;
  }

  /**
   * Returns the link that signals point {@code seqno} of {@code head}'s timeline: walking back from
   * {@code head} within its context, the first link whose {@link #prevSeqno()} is below {@code
   * seqno} (the link whose range {@code (prevSeqno, seqno]} holds the point), as the kernel's
   * {@code dma_fence_chain_find_seqno} does. Collects garbage as it walks.
   *
   * @param head the newest link of a chain
   * @param seqno the point, {@code >= 0}; 0 returns {@code head}
   * @return the link, or an already signaled fence when that point has signaled and its link was
   *     collected
   * @throws IllegalArgumentException if {@code seqno} is negative, or {@code seqno > 0} and {@code
   *     head} is not a chain or {@code seqno > head.seqno()} (not submitted yet)
   * @throws NullPointerException if {@code head} is null
   */
  public static Fence findSeqno(Fence head, long seqno) {
    Objects.requireNonNull(head, "head");
    if (seqno < 0) {
      throw new IllegalArgumentException("seqno must not be negative, was " + seqno);
    }
    if (seqno == 0) {
      return head;
    }
    if (!(head instanceof FenceChain)) {
      throw new IllegalArgumentException("not a chain: " + head.describe());
    }
    if (seqno > head.seqno()) {
      throw new IllegalArgumentException(
          "point " + seqno + " not submitted yet; the chain is at " + head.seqno());
    }
    for (Fence f : walk(head)) {
      if (f.context() != head.context()
          || !(f instanceof FenceChain)
          || ((FenceChain) f).prevSeqno < seqno) {
        return f;
      }
    }
    return Fence.stub();
  }

  /**
   * Returns the links of a chain, newest first: {@code head}, then each earlier link, then the
   * non-chain fence the chain started on, if any. Iterating collects garbage: links whose fences
   * have signaled are unlinked and skipped. A non-chain {@code head} yields only itself.
   *
   * @param head the start of the walk
   * @return a lazy iterable; each iteration walks afresh
   * @throws NullPointerException if {@code head} is null
   */
  public static Iterable<Fence> walk(Fence head) {
    Objects.requireNonNull(head, "head");
    return () ->
        new Iterator<Fence>() {
          private @Nullable Fence next = head;

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Fence next() {
            Fence current = next;
            if (current == null) {
              throw new NoSuchElementException();
            }
            next = current instanceof FenceChain ? prevCollected((FenceChain) current) : null;
            return current;
          }
        };
  }

  /** Unlinks signaled links behind {@code link} and returns its (new) prev. */
  private static @Nullable Fence prevCollected(FenceChain link) {
    for (; ; ) {
      Fence p = link.prev;
      if (p == null) {
        return null;
      }
      Fence replacement;
      if (p instanceof FenceChain) {
        FenceChain pc = (FenceChain) p;
        if (!pc.fence.isSignaled()) {
          return p;
        }
        link.noteFailure(pc.fence);
        replacement = pc.prev; // before pc.firstFailed: see the overview
        Fence collected = pc.firstFailed;
        if (collected != null) {
          link.noteFailure(collected);
        }
      } else {
        if (!p.isSignaled()) {
          return p;
        }
        link.noteFailure(p);
        replacement = null;
      }
      PREV.compareAndSet(link, p, replacement);
    }
  }

  @Override
  public String driverName() {
    return "fence_chain";
  }

  @Override
  public String timelineName() {
    return "unbound";
  }

  @Override
  protected boolean onEnableSignaling() {
    // Runs first when the link signals, however it signals: drop the registration it holds.
    addUrgentCallback(
        f -> {
          Fence on = armedOn;
          if (on != null) {
            on.removeCallback(rearm);
          }
        });
    arm();
    return true;
  }

  @Override
  protected boolean peekSignaled() {
    if (firstPending() != null) {
      return false;
    }
    signalDone();
    return true;
  }

  @Override
  protected void onDeadline(long deadlineNanos) {
    for (Fence f : walk(this)) {
      (f instanceof FenceChain ? ((FenceChain) f).fence : f).setDeadline(deadlineNanos);
    }
  }

  /** Registers on the newest pending fence this link waits for, or signals if none is left. */
  private void arm() {
    for (; ; ) {
      if (isSignaledFlag()) {
        return;
      }
      Fence pendingFence = firstPending();
      if (pendingFence == null) {
        signalDone();
        return;
      }
      armedOn = pendingFence;
      if (addRearm(pendingFence)) {
        if (isSignaledFlag()) {
          pendingFence.removeCallback(rearm); // signaled directly while we registered
        }
        return;
      }
    }
  }

  /**
   * Registers the re-arm callback (urgent: the link's waiters wake before any callback of that
   * fence); false if the fence is signaled. A fence whose enable hook throws is failed by it (EIO):
   * the link goes on past it, and the exception goes to the callback exception handler.
   */
  private boolean addRearm(Fence pendingFence) {
    try {
      return pendingFence.addUrgentCallback(rearm);
    } catch (Throwable t) {
      if (!pendingFence.isSignaledFlag()) {
        throw t;
      }
      Dispatcher.report(t);
      return false;
    }
  }

  /** The newest unsignaled fence among this link's and the earlier links', or null. */
  private @Nullable Fence firstPending() {
    for (Fence f : walk(this)) {
      Fence contained = f instanceof FenceChain ? ((FenceChain) f).fence : f;
      if (!contained.isSignaled()) {
        return contained;
      }
      noteFailure(contained);
    }
    return null;
  }

  /** Records {@code signaled} as this link's first failure if it failed and none is known yet. */
  private void noteFailure(Fence signaled) {
    if (firstFailed == null && signaled.status() < 0) {
      FIRST_FAILED.compareAndSet(this, null, signaled);
    }
  }

  /**
   * The first failed fence this link has found so far among its own and the earlier links' fences
   * (possibly collected out of the chain since), or null; signaled, with an error.
   */
  @Nullable Fence knownFailure() {
    return firstFailed;
  }

  /** Signals the link with its own fence's failure, else the newest earlier one, with its cause. */
  private void signalDone() {
    Fence failed = fence.status() < 0 ? fence : firstFailed;
    if (failed == null) {
      signal();
      return;
    }
    FenceError e = failed.error().orElseThrow();
    Throwable cause = failed.cause().orElse(null);
    if (cause == null) {
      signal(e);
    } else {
      signal(e, cause);
    }
  }

  // VarHandle mechanics
  private static final VarHandle PREV;
  private static final VarHandle FIRST_FAILED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PREV = lookup.findVarHandle(FenceChain.class, "prev", Fence.class);
      FIRST_FAILED = lookup.findVarHandle(FenceChain.class, "firstFailed", Fence.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
