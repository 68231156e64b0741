package org.fence4j;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.Timeouts;

/**
 * Static helpers over fences: unwrap containers, merge, wait for any or all, adapt a future.
 *
 * <p>All methods are thread-safe; the waits park (no monitors) and leave no registration behind on
 * any fence, whatever way they return.
 */
public final class Fences {
  private Fences() {}

  /**
   * Returns the leaf fences under arrays and chains, at any depth: for a chain, what the fence of
   * each remaining link unwraps to (walking collects signaled links); for an array, what its
   * members unwrap to (including a signal-on-any array that {@link #merge} kept whole inside a
   * merged array); a plain fence yields itself. The result never holds an array or a chain.
   *
   * @param fence the fence to unwrap
   * @return a new list of leaves, depth first: newest link first for chains, in member order for
   *     arrays
   * @throws NullPointerException if {@code fence} is null
   */
  public static List<Fence> unwrap(Fence fence) {
    Objects.requireNonNull(fence, "fence");
    List<Fence> leaves = new ArrayList<>();
    // Iterative (containers may nest through merges of merges): a stack of iterators over the
    // containers being unwrapped, each yielding its direct parts in order.
    ArrayDeque<Iterator<Fence>> open = new ArrayDeque<>();
    open.push(List.of(fence).iterator());
    while (!open.isEmpty()) {
      Iterator<Fence> parts = open.peek();
      if (!parts.hasNext()) {
        open.pop();
        continue;
      }
      Fence part = parts.next();
      if (part instanceof FenceChain) {
        open.push(linkFences(part).iterator());
      } else if (part instanceof FenceArray) {
        open.push(((FenceArray) part).fences().iterator());
      } else {
        leaves.add(part);
      }
    }
    return leaves;
  }

  /** The fence of each remaining link of chain {@code head}, then the fence it started on. */
  private static Iterable<Fence> linkFences(Fence head) {
    return () -> {
      Iterator<Fence> links = FenceChain.walk(head).iterator();
      return new Iterator<Fence>() {
        @Override
        public boolean hasNext() {
          return links.hasNext();
        }

        @Override
        public Fence next() {
          Fence link = links.next();
          return link instanceof FenceChain ? ((FenceChain) link).fence() : link;
        }
      };
    };
  }

  /**
   * Merges fences into one that signals when all of them have: flattens every input to its leaves,
   * drops signaled leaves, keeps one fence per context (the later seqno), and orders the rest by
   * context.
   *
   * <p>Unlike the kernel's merge, a failure that already happened is not dropped: the first
   * signaled leaf with an error is kept (it never delays the result), so the merged fence reports
   * the failure instead of hiding it. That holds inside chains too: a pending chain link whose
   * earlier links already failed (even when those links were collected out of the chain) keeps that
   * failure in the merge, as the link itself will signal with an error. And flattening never
   * changes what an input means: a signaled array or chain counts as one signaled leaf (with its
   * own error when its remaining leaves show none), and a pending signal-on-any array is kept whole
   * (the one case where the result is an array holding an array).
   *
   * @param fences the fences to merge; may be empty
   * @return when nothing is pending, a new signaled fence stamped with the latest signal time seen
   *     (or now, if none was seen), carrying the first error seen; when one leaf is pending (and
   *     none failed), that fence itself; otherwise a wait-all {@link FenceArray} with a fresh
   *     context
   * @throws NullPointerException if {@code fences} or an element is null
   */
  public static Fence merge(Fence... fences) {
    Objects.requireNonNull(fences, "fences");
    return merge(Arrays.asList(fences));
  }

  /**
   * Merges fences; see {@link #merge(Fence...)}.
   *
   * @param fences the fences to merge; may be empty
   * @return the merged fence
   * @throws NullPointerException if {@code fences} or an element is null
   */
  public static Fence merge(List<? extends Fence> fences) {
    Objects.requireNonNull(fences, "fences");
    List<Fence> leaves = new ArrayList<>();
    for (int i = 0; i < fences.size(); i++) {
      addMergeLeaves(Checks.element(fences.get(i), "fences", i), leaves);
    }
    boolean sawSignaled = false;
    long latest = 0L;
    @org.jspecify.annotations.Nullable Fence firstFailed = null;
    Map<Long, Fence> perContext = new HashMap<>();
    for (Fence leaf : leaves) {
      if (leaf.isSignaled()) {
        long t = leaf.timestampNanos();
        if (!sawSignaled || t - latest > 0) {
          latest = t;
        }
        sawSignaled = true;
        if (firstFailed == null && leaf.status() < 0) {
          firstFailed = leaf;
        }
        continue;
      }
      perContext.merge(leaf.context(), leaf, (a, b) -> b.seqno() > a.seqno() ? b : a);
    }
    if (perContext.isEmpty()) {
      if (firstFailed != null) {
        return new StubFence(latest, firstFailed.error().orElseThrow());
      }
      return Fence.signaledStub(sawSignaled ? latest : System.nanoTime());
    }
    List<Fence> ordered = new ArrayList<>(perContext.values());
    if (firstFailed != null) {
      // Unlike the kernel, a failure that already happened is not merged away: the first failed
      // leaf joins the array (it is signaled, so it never delays it) and becomes its error.
      ordered.add(firstFailed);
    }
    if (ordered.size() == 1) {
      return ordered.get(0);
    }
    ordered.sort(Comparator.comparingLong(Fence::context));
    return FenceArray.merged(ordered);
  }

  /**
   * Like {@link #unwrap}'s flattening, but keeps the meaning of containers that flattening would
   * change: a signaled array or chain is one signaled leaf (an all-array cancelled by its owner
   * must not become pending again), and a pending signal-on-any array is kept whole (its members
   * are alternatives, not requirements).
   */
  private static void addMergeLeaves(Fence fence, List<Fence> leaves) {
    boolean container = fence instanceof FenceArray || fence instanceof FenceChain;
    if (container && fence.isSignaled()) {
      List<Fence> inner = unwrap(fence);
      if (inner.stream().allMatch(Fence::isSignaled)) {
        leaves.addAll(inner); // the usual case: the members' own times and errors
        if (fence.status() < 0 && inner.stream().noneMatch(f -> f.status() < 0)) {
          leaves.add(fence); // its failure is in a link collected out of the chain
        }
      } else {
        leaves.add(fence); // signaled by its owner, or an any-array: done, whatever is inside
      }
    } else if (fence instanceof FenceArray) {
      FenceArray array = (FenceArray) fence;
      if (array.signalOnAny()) {
        leaves.add(array);
      } else {
        for (Fence member : array.fences()) {
          addMergeLeaves(member, leaves);
        }
      }
    } else if (fence instanceof FenceChain) {
      List<FenceChain> links = new ArrayList<>();
      for (Fence link : FenceChain.walk(fence)) {
        if (link instanceof FenceChain) {
          links.add((FenceChain) link);
          addMergeLeaves(((FenceChain) link).fence(), leaves);
        } else {
          addMergeLeaves(link, leaves);
        }
      }
      // Failures of links the walk collected were handed to the links that remain; the head will
      // signal with one of them, so the merge must keep it. Read after the walk has passed.
      for (FenceChain link : links) {
        Fence failed = link.knownFailure();
        if (failed != null) {
          leaves.add(failed);
          break;
        }
      }
    } else {
      leaves.add(fence);
    }
  }

  /**
   * Waits until any of {@code fences} is signaled and returns the lowest index among the signaled
   * ones. Works for every {@link Fence} subclass (it uses callbacks); removes its callbacks from
   * every fence on every exit path.
   *
   * @param fences the fences, non-empty
   * @param timeout how long to wait; zero polls
   * @return the lowest index of a signaled fence (fences whose signaled flag is set are preferred
   *     to fences that only their {@link Fence#peekSignaled() peek hook} reports done), or -1 on
   *     timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code fences} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static int waitAny(List<? extends Fence> fences, Duration timeout)
      throws InterruptedException {
    return waitAnyNanos(fences, Timeouts.toNanos(timeout));
  }

  /**
   * Waits until any of {@code fences} is signaled; see {@link #waitAny(List, Duration)}.
   *
   * @param fences the fences, non-empty
   * @param timeout how long to wait, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @return the lowest index of a signaled fence, or -1 on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code fences} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static int waitAny(List<? extends Fence> fences, long timeout, TimeUnit unit)
      throws InterruptedException {
    return waitAnyNanos(fences, Timeouts.toNanos(timeout, unit));
  }

  private static int waitAnyNanos(List<? extends Fence> fences, long nanos)
      throws InterruptedException {
    Objects.requireNonNull(fences, "fences");
    // Scan the caller's list in place when indexing it is cheap; copy any other list once.
    List<? extends Fence> list =
        fences instanceof RandomAccess ? fences : Arrays.asList(snapshot(fences));
    if (list.isEmpty()) {
      throw new IllegalArgumentException("waitAny needs at least one fence");
    }
    int index = firstFlagged(list); // also rejects null elements
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (index < 0) {
      index = firstPeeked(list);
    }
    if (index >= 0 || nanos == 0L) {
      return index;
    }
    // About to block: register with a private copy, so that the fences the waker is removed from
    // are the ones it was added to, whatever the caller does to its list meanwhile.
    Fence[] all = snapshot(list);
    List<Fence> registeredWith = Arrays.asList(all);
    Waker waker = new Waker(Thread.currentThread());
    int registered = 0;
    Diagnostics.Wait diagnosis = Diagnostics.beforeWait(all, nanos);
    boolean timedOut = false;
    try {
      for (Fence f : all) {
        if (!f.addUrgentCallback(waker)) { // urgent: woken before any callback runs
          return firstSignaled(registeredWith);
        }
        registered++;
      }
      long deadline = System.nanoTime() + nanos;
      Dispatcher.beforePark(); // callbacks queued behind a waiting callback go on elsewhere
      while (!waker.woken) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0L) {
          break;
        }
        LockSupport.parkNanos(waker, Math.min(remaining, Fence.PARK_SLICE_NANOS));
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        if (!waker.woken && firstFlagged(registeredWith) >= 0) {
          break; // signaled, but its wake-up was lost (a signaling thread died): found by the slice
        }
      }
      int found = firstSignaled(registeredWith);
      timedOut = found < 0;
      return found;
    } finally {
      for (int i = 0; i < registered; i++) {
        all[i].removeCallback(waker);
      }
      Diagnostics.afterWait(diagnosis, timedOut);
    }
  }

  /**
   * Waits until every one of {@code fences} is signaled, or the timeout elapses. Enables signaling
   * on every fence first, so all their producers start at once (not each when the one before it has
   * signaled).
   *
   * @param fences the fences; an empty list is trivially signaled
   * @param timeout how long to wait in all; zero polls
   * @return {@code true} if all are signaled, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static boolean waitAll(List<? extends Fence> fences, Duration timeout)
      throws InterruptedException {
    return waitAllNanos(fences, Timeouts.toNanos(timeout));
  }

  /**
   * Waits until every one of {@code fences} is signaled; see {@link #waitAll(List, Duration)}.
   *
   * @param fences the fences; an empty list is trivially signaled
   * @param timeout how long to wait in all, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @return {@code true} if all are signaled, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static boolean waitAll(List<? extends Fence> fences, long timeout, TimeUnit unit)
      throws InterruptedException {
    return waitAllNanos(fences, Timeouts.toNanos(timeout, unit));
  }

  private static boolean waitAllNanos(List<? extends Fence> fences, long nanos)
      throws InterruptedException {
    Fence[] all = snapshot(fences);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long deadline = System.nanoTime() + nanos;
    // One wait on many: every fence's enable hook runs now, not when the one before it signals.
    for (Fence f : all) {
      f.enableSignaling();
    }
    int first = 0; // the fences before it are signaled: no need to block on them
    while (first < all.length && all[first].awaitNanos(0L, false, true, false)) { // polls
      first++;
    }
    if (first == all.length || nanos == 0L) {
      return first == all.length;
    }
    return awaitEach(all, first, nanos, deadline);
  }

  /**
   * The blocking part of every wait for all of several fences ({@link #waitAll}, and {@code
   * ReservationObject.await} through {@link Diagnostics.Access#awaitAll}): waits on {@code
   * fences[from..]} one after the other, each with what is left until {@code deadline}, inside one
   * diagnosis for the whole call (signaling-path check, waiter registration, JFR event), not one
   * per fence.
   *
   * @param fences the fences the call waits for (all of them go to the diagnosis)
   * @param from the first index that was not signaled when the caller polled
   * @param nanos the caller's whole timeout, for the diagnosis
   * @param deadline the {@link System#nanoTime()} by which all must be signaled
   * @return {@code true} if all are signaled, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  static boolean awaitEach(Fence[] fences, int from, long nanos, long deadline)
      throws InterruptedException {
    Diagnostics.Wait diagnosis = Diagnostics.beforeWait(fences, nanos);
    boolean timedOut = false;
    try {
      for (int i = from; i < fences.length; i++) {
        long remaining = Math.max(0L, deadline - System.nanoTime());
        if (!fences[i].awaitNanos(remaining, false, true, false)) {
          timedOut = true;
          return false;
        }
      }
      return true;
    } finally {
      Diagnostics.afterWait(diagnosis, timedOut);
    }
  }

  /**
   * Returns a fence that signals when {@code stage} completes: a fresh context, seqno 1, driver and
   * timeline name {@code "future"}. A normal completion signals it without error; an exceptional
   * one signals it with an error and the throwable as its {@link Fence#cause() cause}, after
   * unwrapping a {@link CompletionException} to its cause: {@link CancellationException} gives
   * {@link FenceError#ECANCELED}, {@link TimeoutException} {@link FenceError#ETIME}, a {@link
   * FenceErrorException} its own error, anything else {@link FenceError#EIO}.
   *
   * <p>The fence waits on arbitrary work (an <em>indefinite</em> fence): if the stage never
   * completes, neither does the fence; the debugging tools find such fences.
   *
   * @param stage the stage to follow
   * @return a new fence, already signaled if {@code stage} is already complete
   * @throws NullPointerException if {@code stage} is null
   */
  public static Fence fromFuture(CompletionStage<?> stage) {
    Objects.requireNonNull(stage, "stage");
    FutureFence fence = new FutureFence();
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            fence.signal();
          } else {
            Throwable cause = unwrapCompletion(failure);
            fence.signal(errorFor(cause), cause);
          }
        });
    return fence;
  }

  private static Throwable unwrapCompletion(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static FenceError errorFor(Throwable cause) {
    if (cause instanceof CancellationException) {
      return FenceError.ECANCELED;
    }
    if (cause instanceof TimeoutException) {
      return FenceError.ETIME;
    }
    if (cause instanceof FenceErrorException) {
      return ((FenceErrorException) cause).error();
    }
    return FenceError.EIO;
  }

  /** The fence of {@link #fromFuture}. */
  private static final class FutureFence extends Fence {
    FutureFence() {
      super(FenceContexts.allocate(1), 1L);
    }

    @Override
    boolean hasTrivialEnableHook() {
      return true;
    }

    @Override
    public String driverName() {
      return "future";
    }

    @Override
    public String timelineName() {
      return "future";
    }
  }

  /** Copies {@code fences} to an array, rejecting null elements. */
  private static Fence[] snapshot(List<? extends Fence> fences) {
    Objects.requireNonNull(fences, "fences");
    Fence[] all = fences.toArray(new Fence[0]);
    for (int i = 0; i < all.length; i++) {
      Checks.element(all[i], "fences", i);
    }
    return all;
  }

  /**
   * The lowest index whose signaled flag is set, or -1 if none is; every element is null-checked,
   * also after a hit. The flags are read with plain semantics, which lets the loop keep the list's
   * own fields in registers; the winner's is then read again with acquire semantics, which pairs
   * with the signal's release store (happens-before for the caller).
   */
  private static int firstFlagged(List<? extends Fence> fences) {
    int n = fences.size();
    int first = 0;
    Fence winner = null;
    for (; first < n; first++) {
      Fence f = Checks.element(fences.get(first), "fences", first);
      if (f.isSignaledFlagPlain()) {
        winner = f;
        break;
      }
    }
    for (int i = first + 1; i < n; i++) {
      Checks.element(fences.get(i), "fences", i);
    }
    return winner != null && winner.isSignaledFlag() ? first : -1;
  }

  /** The lowest index that {@link Fence#isSignaled()} (which asks the peek hook) reports, or -1. */
  private static int firstPeeked(List<? extends Fence> fences) {
    for (int i = 0, n = fences.size(); i < n; i++) {
      if (fences.get(i).isSignaled()) {
        return i;
      }
    }
    return -1;
  }

  /** {@link #firstFlagged}, else {@link #firstPeeked}: flags are preferred to peek hooks. */
  private static int firstSignaled(List<? extends Fence> fences) {
    int index = firstFlagged(fences);
    return index >= 0 ? index : firstPeeked(fences);
  }

  /** Wakes the waiting thread on the first signal. */
  private static final class Waker implements FenceCallback {
    private final Thread thread;
    volatile boolean woken;

    Waker(Thread thread) {
      this.thread = thread;
    }

    @Override
    public void onSignaled(Fence fence) {
      woken = true;
      LockSupport.unpark(thread);
    }
  }
}
