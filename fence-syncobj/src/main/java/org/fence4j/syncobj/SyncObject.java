package org.fence4j.syncobj;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceChain;
import org.fence4j.FenceContexts;
import org.fence4j.Fences;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.TimelineRegistry;
import org.fence4j.internal.Timeouts;
import org.fence4j.syncfile.SyncFile;
import org.jspecify.annotations.Nullable;

/**
 * A mutable, thread-safe slot for "the fence of the latest submission", the Java counterpart of the
 * Linux kernel's {@code drm_syncobj} and of Vulkan's timeline semaphores.
 *
 * <p>An object is used in one of two views, and may switch between them:
 *
 * <ul>
 *   <li><b>Binary</b>: it holds one fence (or none), which each submission {@linkplain
 *       #replace(Fence) replaces}. {@link #fence()} returns it; {@link #reset()} empties the slot;
 *       {@link #signal()} puts an already signaled fence in it.
 *   <li><b>Timeline</b>: it holds numbered points 1, 2, ... (64-bit, increasing, gaps allowed),
 *       each {@linkplain #addPoint(long, Fence) added} with the fence of the work that completes it
 *       and kept as a {@link FenceChain} link: point {@code p} signals once its own fence and every
 *       earlier point have signaled. {@link #lastSignaledPoint()} is the timeline's counter value;
 *       {@link #find(long)} returns the fence of a point.
 * </ul>
 *
 * <p>Point 0 always means the binary view: {@code find(0)} is the current fence (for a timeline,
 * its newest link), {@code signal(0)} is {@code signal()}, and a transfer or import to point 0
 * replaces the fence. {@link #replace(Fence)} and {@link #signal()} make a timeline binary again,
 * like a {@link #reset()} followed by setting the fence; a later {@link #addPoint} starts a
 * timeline whose points also wait for that binary fence. Point numbers belong to the object: they
 * never come from the seqnos of the fences added.
 *
 * <pre>{@code
 * SyncObject frames = SyncObject.create();
 * // consumer: wait for frame 3, even though the producer has not submitted it yet
 * boolean shown = SyncObject.waitAll(List.of(frames.at(3)), Duration.ofSeconds(1),
 *     WaitFlag.FOR_SUBMIT);
 * // producer
 * frames.addPoint(3, renderDone);   // renderDone: the fence of the work for frame 3
 * }</pre>
 *
 * <p><b>Waits.</b> {@link #waitAny} and {@link #waitAll} wait for a list of {@link SyncPoint}s (of
 * one or several objects); {@link #awaitSubmitted} and {@link #whenSubmitted} wait for a point to
 * be submitted. A wait works on the fences it found when it started (or, with {@link
 * WaitFlag#FOR_SUBMIT}, on the first fence that appears for a point): a {@code reset}, {@code
 * replace} or later point while it waits does not change what it waits for. Blocked threads park
 * ({@link java.util.concurrent.locks.LockSupport}, through fence-core's waits), never pin a virtual
 * thread's carrier, and are woken before any callback or future of the same event runs. Every wait
 * leaves nothing registered on any fence or object when it returns, however it returns (result,
 * timeout, interrupt, or cancellation of a {@code whenSubmitted} future).
 *
 * <p><b>Thread safety.</b> Every method may be called from any thread, concurrently with any other.
 * The object never blocks in a mutator and holds no lock while user code (fence hooks, futures'
 * dependents) runs: its whole state is one immutable snapshot replaced by compare-and-set.
 *
 * <p><b>Memory consistency effects:</b> actions before a mutator ({@code replace}, {@code
 * addPoint}, {@code signal}, {@code reset}, {@code transfer}, {@code importSyncFile}) happen-before
 * actions after a read ({@code fence}, {@code find}, the point queries, a wait) that observes its
 * effect; actions before a fence signals happen-before actions after a wait returns having seen it
 * signaled.
 *
 * <p><b>Memory.</b> A timeline keeps the links of its pending points only, give or take a bounded
 * slack: a link is collected once it and every earlier point have signaled (checked as points are
 * added, in amortized constant time per point), so a timeline advanced through millions of points
 * holds a bounded number of links.
 *
 * <p><b>Bad input.</b> A negative point, a chain given to {@code addPoint}, or a point not above
 * {@link #lastSubmittedPoint()} (for {@code addPoint}, {@code signal(point)}, {@code transfer} and
 * {@code importSyncFile}) is {@link IllegalArgumentException}; a missing source point or an empty
 * slot where a fence is needed is {@link IllegalStateException}; {@code null} is {@link
 * NullPointerException} naming the parameter. A call that throws leaves the object unchanged.
 */
public final class SyncObject {
  /*
   * Implementation overview
   * -----------------------
   * The whole state is one immutable State, in the volatile field `state`, replaced by CAS:
   *
   *   fence          null (empty slot), the binary fence, or the timeline's newest built link
   *   lastSubmitted  0 in the binary view; else the highest point added (the head's point)
   *   generation     a small mutable record of one run of the timeline (see below); a new one on
   *                  every reset/replace/signal(), kept by addPoint
   *   listeners      an immutable stack (ListenerNode) of the waits and futures waiting for a
   *                  point to be submitted
   *
   * Mutators (replace, reset, signal, addPoint and what is built on them) read `state`, compute
   * the next State, and CAS it in; a failed CAS retries from the new state, so no update is lost
   * and a mutator that throws (bad input is checked against the state it read) changes nothing.
   * The same CAS that installs a fence removes from `listeners` every listener whose point the
   * new state holds; the winning thread alone owns those listeners and, after the CAS, tells
   * each of them which fence appeared (the point's fence in that state): first every blocked
   * wait (it signals the wait's private wake fence, which unparks the thread), then every
   * whenSubmitted future (user code). Nothing runs while anything is "held": there is no lock.
   *
   * Memory ordering: `state` is volatile, so a reader that sees a State sees everything written
   * before the CAS that published it (the fence, its link, the listener list). Listener
   * registration is one CAS that checks "not submitted yet" and pushes the listener on the
   * same State, so a submission either is seen by the registering thread or finds the listener.
   * A wait's slot records the appeared fence in a volatile field before signaling the wait's
   * wake fence; the waiting thread installs a fresh wake fence (volatile write) before it reads
   * the slots again, so one of the two always sees the other (no lost wake-up).
   *
   * Timelines: points are FenceChain links of one context (each link's prev is the previous
   * head). When a binary fence F is present, the first point is built on a link of seqno 0
   * wrapping F (flattened if F is a chain), so point numbers never come from F's seqno and every
   * point waits for F too. lastSignaledPoint walks the chain to the oldest link still held in the
   * head's context: its seqno if it has signaled, else its prevSeqno (the kernel's QUERY). The
   * walk collects signaled links, so the answer is exact at some instant during the call; the
   * generation's signaledFloor (raised by CAS-max) makes the answer never decrease within one
   * generation, even when racing walkers finish out of order. A walk that ends on a link whose own
   * fence is pending records it in the generation (pendingBottom); later queries answer from it
   * in O(1) while that fence stays pending (it is still the oldest link: links are added only at
   * the head and removed only once signaled), so N queries with N points pending cost O(N), not
   * O(N^2).
   *
   * Unbuilt head: a host signal (signal(point)) on an empty object or a timeline, that no listener
   * waits for, builds no link (on a binary fence it builds the first link as addPoint does). It
   * installs a State whose lastSubmitted is the new point and whose fence stays the newest built
   * link M (null when none was built in this run): the points above M's seqno were all
   * host-signaled, so each has signaled exactly when M has (all of them at once when M is null).
   * "Unbuilt" is lastSubmitted > 0 and (fence == null or fence.seqno() < lastSubmitted): a built
   * head's seqno is always lastSubmitted. lastSignaledPoint answers such a state from M alone (no
   * allocation, no walk, no CAS when M is null or below the floor). Whatever needs the fence of a
   * point above M (fence(), find, a wait, an export, a transfer, whenSubmitted) first builds the
   * head link, FenceChain.create(M, the shared signaled stub, lastSubmitted), and CASes it in with
   * the rest of the state unchanged (built(); a lost CAS retries on the new state); addPoint builds
   * it as its new point's prev, so the new link's prevSeqno is lastSubmitted. The link covers
   * (M.seqno, lastSubmitted], signals once M has, and is what the eagerly built links would have
   * answered for every point in that range. A host signal that takes listeners builds eagerly, so
   * notifySubmitted always resolves on a built state. A host signal drops M once M is known to have
   * signaled without error (it and every earlier point are done: nothing is left to wait for or to
   * report), so host signals keep at most that one link reachable; an M that failed is kept, so
   * that the points above it still report its error, as a link that collected it would. "Known"
   * never runs anyone's code in the host-signaling thread: M's flag, or the run's floor at or above
   * M (see doneWithoutError); a link built over nothing is flagged as it is built.
   *
   * Host runs: host signals with nothing built under them and nobody waiting (no listener at all)
   * do not even replace the State. The first one installs a State holding a HostRun, a mutable
   * counter (fence and listeners null, the counter in run.point); the next ones CAS run.point
   * forward in place. Before anything replaces a State that holds a run, the run is sealed (the
   * sign bit of run.point, set by CAS; permanent): settled() seals it and CASes in the equivalent
   * plain State (no fence, lastSubmitted = the sealed point). So a host signal either lands before
   * the seal, and the settled State counts it, or finds the run sealed and takes the ordinary path
   * on the new State; no update is lost, and every mutator and every reader that needs more than
   * the counter starts from settled(). Readers of the counter alone (lastSubmittedPoint,
   * lastSignaledPoint, the waits' fast path) read run.point: every point of a run is
   * host-signaled over nothing pending, so the counter is also the signaled point.
   *
   * Garbage collection: FenceChain unlinks a link whose fence has signaled whenever a walk passes
   * it. addPoint walks the whole chain once every max(GC_MIN, live links at the last walk) points,
   * so the cost is amortized O(1) per point and at most about twice the pending links (plus
   * GC_MIN) stay reachable. The generation's two counters are heuristics: a lost update only
   * moves a walk.
   */

  /** Below this many points between collecting walks, walks are not worth their cost. */
  private static final int GC_MIN = 16;

  /** The one context of the private fences that wake blocked waits on a submission. */
  private static final long WAKE_CONTEXT = FenceContexts.allocate(1);

  /** The current state; replaced as a whole by CAS (see the overview). */
  private volatile State state;

  private SyncObject(State initial) {
    this.state = initial;
    TimelineRegistry.registerTimeline(this, SyncObject::dumpTo); // weakly, for SyncDebug.dump()
  }

  /**
   * Creates an object with no fence (binary view, empty; both points read 0).
   *
   * @return a new sync object
   */
  public static SyncObject create() {
    return new SyncObject(new State(null, 0L, new Generation(), null));
  }

  /**
   * Creates an object holding an already signaled fence (binary view; both points read 0), the
   * kernel's {@code DRM_SYNCOBJ_CREATE_SIGNALED}.
   *
   * @return a new sync object
   */
  public static SyncObject createSignaled() {
    return new SyncObject(
        new State(Fence.signaledStub(System.nanoTime()), 0L, new Generation(), null));
  }

  // ---------------------------------------------------------------------------------------------
  // Binary view

  /**
   * Returns the current fence: the binary fence, or for a timeline its newest link (which signals
   * once every point has).
   *
   * @return the current fence, or empty if the slot is empty
   */
  public Optional<Fence> fence() {
    return Optional.ofNullable(built().fence);
  }

  /**
   * Makes {@code f} the current fence, in the binary view: like {@link #reset()} followed by
   * setting the fence, so both points read 0 afterwards. Any fence is accepted, chains included.
   * Waits already in progress keep waiting for what they found. Wakes the waits and futures waiting
   * for point 0 to be submitted.
   *
   * @param f the new fence
   * @throws NullPointerException if {@code f} is null
   */
  public void replace(Fence f) {
    Objects.requireNonNull(f, "f");
    install(f);
  }

  /**
   * Empties the slot: no fence, and a timeline starts over (both points read 0). Waits already in
   * progress keep waiting for what they found; waits for submission keep waiting for a fence to
   * appear.
   */
  public void reset() {
    for (; ; ) {
      State s = settled();
      if (casState(s, new State(null, 0L, new Generation(), s.listeners))) {
        return;
      }
    }
  }

  /**
   * Makes an already signaled fence the current one, in the binary view (the kernel's {@code
   * DRM_IOCTL_SYNCOBJ_SIGNAL}); like {@link #replace(Fence)} with a fence signaled now.
   */
  public void signal() {
    install(Fence.signaledStub(System.nanoTime()));
  }

  private void install(Fence f) {
    for (; ; ) {
      State s = settled();
      State next = new State(f, 0L, new Generation(), ListenerNode.filter(s.listeners, 0L, false));
      if (casState(s, next)) {
        notifySubmitted(ListenerNode.filter(s.listeners, 0L, true), next);
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timeline view

  /**
   * Adds timeline point {@code point}, completed by {@code f}: the point signals once {@code f} and
   * every earlier point have signaled (with the first error among them, as a {@link FenceChain}
   * link does). If the object holds a binary fence, the new point waits for it too. Wakes the waits
   * and futures waiting for any point up to {@code point} to be submitted.
   *
   * @param point the point, {@code >= 1} and above {@link #lastSubmittedPoint()}
   * @param f the fence of the work that completes the point; not a chain (add the chain's leaves,
   *     e.g. {@code Fences.merge(chain)})
   * @throws IllegalArgumentException if {@code point < 1}, {@code point <= lastSubmittedPoint()}
   *     (an unordered point), or {@code f} is a {@link FenceChain}; the object is unchanged
   * @throws NullPointerException if {@code f} is null
   */
  public void addPoint(long point, Fence f) {
    Objects.requireNonNull(f, "f");
    if (point < 1) {
      throw new IllegalArgumentException("a timeline point must be >= 1, was " + point);
    }
    if (f instanceof FenceChain) {
      throw new IllegalArgumentException(
          "a point's fence must not be a chain (add its leaves, e.g. Fences.merge): "
              + f.describe());
    }
    add(point, f, false);
  }

  /**
   * Adds {@code point} with fence {@code f} ({@code point >= 1}, {@code f} not a chain). A host
   * signal ({@code hostSignal}: {@code f} is the shared signaled stub) that takes no listener
   * leaves the head unbuilt (see the overview).
   */
  private void add(long point, Fence f, boolean hostSignal) {
    for (; ; ) {
      State s = settled();
      if (point <= s.lastSubmitted) {
        throw unordered(point, s.lastSubmitted);
      }
      ListenerNode kept = ListenerNode.filter(s.listeners, point, false);
      boolean binary = s.lastSubmitted == 0 && s.fence != null;
      if (hostSignal && !binary && kept == s.listeners) {
        // Nobody waits for this point to appear: leave its link unbuilt (see the overview).
        Fence under = s.fence;
        if (under != null && doneWithoutError(under, s.generation)) {
          under = null; // it and every earlier point signaled without error: nothing to keep
        }
        State next =
            under == null && kept == null
                ? new State(s.generation, new HostRun(point)) // a host run (see the overview)
                : new State(under, point, s.generation, kept);
        if (casState(s, next)) {
          return;
        }
        continue;
      }
      Fence prev;
      if (binary) {
        // The binary fence becomes what point 0 was: a link of seqno 0 the new point waits for.
        Fence b = Objects.requireNonNull(s.fence);
        prev = FenceChain.create(null, b instanceof FenceChain ? Fences.merge(b) : b, 0);
      } else {
        prev = unbuilt(s) ? headLink(s) : s.fence;
      }
      FenceChain link = FenceChain.create(prev, f, point);
      State next = new State(link, point, s.generation, kept);
      if (casState(s, next)) {
        notifySubmitted(ListenerNode.filter(s.listeners, point, true), next);
        s.generation.collect(link);
        return;
      }
    }
  }

  /**
   * Host signal of a timeline point (the kernel's {@code DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL}): adds
   * an already signaled fence at {@code point}. The point signals once every earlier point has.
   * {@code signal(0)} is {@link #signal()}.
   *
   * @param point the point, 0 or above {@link #lastSubmittedPoint()}
   * @throws IllegalArgumentException if {@code point} is negative, or positive and not above {@link
   *     #lastSubmittedPoint()}; the object is unchanged
   */
  public void signal(long point) {
    requireNotNegative(point, "point");
    if (point == 0) {
      signal();
    } else {
      HostRun run = state.run;
      if (run == null || !run.advance(point)) {
        add(point, Fence.stub(), true); // the shared stub, as the kernel's TIMELINE_SIGNAL does
      }
    }
  }

  /**
   * Whether built link {@code m} is known to have signaled without error, found out without running
   * anyone's code (a host signal must not call peek hooks or callbacks of fences it did not make):
   * from its flag, or once the run's floor has reached it, when every fence under it has been seen
   * signaled and flagged by the queries, so that asking the link meets only set flags.
   */
  private static boolean doneWithoutError(Fence m, Generation g) {
    return (Diagnostics.access().isSignaledFlag(m) || m.seqno() <= g.signaledFloor)
        && m.status() == 1;
  }

  private static IllegalArgumentException unordered(long point, long last) {
    return new IllegalArgumentException(
        "unordered point " + point + ": points must increase, the last submitted point is " + last);
  }

  /**
   * Returns the timeline's counter value (the kernel's {@code DRM_IOCTL_SYNCOBJ_QUERY}, Vulkan's
   * {@code vkGetSemaphoreCounterValue}): the highest point {@code p} such that every point {@code
   * <= p} submitted so far has signaled (with or without error). Fences that signal out of order
   * under ordered points do not move it past a pending point. It never decreases until a {@link
   * #reset()}, {@link #replace(Fence)} or {@link #signal()}. 0 in the binary view.
   *
   * @return the highest fully signaled point, {@code >= 0}
   */
  public long lastSignaledPoint() {
    return signaledPoint(state);
  }

  private static long signaledPoint(State s) {
    HostRun run = s.run;
    if (run != null) {
      return run.last(); // host-signaled points only
    }
    if (s.lastSubmitted == 0) {
      return 0L;
    }
    Generation g = s.generation;
    long floor = g.signaledFloor;
    if (floor >= s.lastSubmitted) {
      return floor;
    }
    FenceChain head = (FenceChain) s.fence;
    if (head == null) {
      return s.lastSubmitted; // host-signaled points only (an unbuilt head over nothing)
    }
    long answer = floor >= head.seqno() ? floor : chainSignaledPoint(head, g);
    // Unbuilt head: the points above the newest built link were host-signaled; they count once it
    // has. (Built: head.seqno() is lastSubmitted, so this is the answer itself.)
    return answer >= head.seqno() ? s.lastSubmitted : answer;
  }

  /** The query rule over the chain of {@code head}, raised into the run's floor. */
  private static long chainSignaledPoint(FenceChain head, Generation g) {
    FenceChain bottom = g.pendingBottom;
    if (bottom != null && bottom.context() == head.context() && !bottom.fence().isSignaled()) {
      return g.raiseFloor(bottom.prevSeqno()); // still the oldest link: no walk
    }
    return g.raiseFloor(signaledPrefix(head, g));
  }

  /**
   * The kernel's query rule over the chain (see the overview); collects signaled links. When every
   * earlier link is gone, the oldest link has signaled exactly when its own fence has, so that is
   * asked instead of the link itself (which would signal the link: a clock read and a CAS). An
   * oldest link whose own fence is pending is remembered in the generation, so the next query
   * answers from it without walking as long as that fence stays pending.
   */
  private static long signaledPrefix(FenceChain head, Generation g) {
    long context = head.context();
    FenceChain oldest = head;
    for (; ; ) {
      Fence prev = oldest.prev(); // collects the signaled links behind `oldest`
      if (!(prev instanceof FenceChain) || prev.context() != context) {
        if (!oldest.fence().isSignaled()) {
          g.pendingBottom = oldest;
          return oldest.prevSeqno();
        }
        boolean signaled = prev == null || oldest.isSignaled();
        return signaled ? oldest.seqno() : oldest.prevSeqno();
      }
      oldest = (FenceChain) prev;
    }
  }

  /**
   * Returns the highest point added since the object last became binary or empty (the kernel's
   * query with {@code LAST_SUBMITTED}).
   *
   * @return the last submitted point, 0 when none (binary view)
   */
  public long lastSubmittedPoint() {
    return lastSubmitted(state);
  }

  /**
   * Returns the fence that signals when {@code point} has: for point 0 the current fence; for a
   * point up to {@link #lastSubmittedPoint()} the link that covers it (the oldest link at or above
   * it, as the kernel's {@code dma_fence_chain_find_seqno}), or an already signaled fence when the
   * point has signaled and its link was collected.
   *
   * @param point the point, {@code >= 0}
   * @return the fence, or empty when nothing is submitted for the point yet (point 0: the slot is
   *     empty; point above 0: above {@link #lastSubmittedPoint()})
   * @throws IllegalArgumentException if {@code point} is negative
   */
  public Optional<Fence> find(long point) {
    requireNotNegative(point, "point");
    return Optional.ofNullable(resolveNow(point));
  }

  /** The fence for {@code point} now, building an unbuilt head first if the point needs it. */
  private @Nullable Fence resolveNow(long point) {
    State s = settled();
    return resolve(needsHead(s, point) ? built() : s, point);
  }

  /** Whether {@code point}'s fence in {@code s} is an unbuilt head's link (see the overview). */
  private static boolean needsHead(State s, long point) {
    Fence m = s.fence;
    return unbuilt(s) && point <= s.lastSubmitted && (m == null || point == 0 || point > m.seqno());
  }

  /** Whether {@code s}'s head link is not built yet (see the overview). */
  private static boolean unbuilt(State s) {
    Fence m = s.fence;
    return s.lastSubmitted > 0 && (m == null || m.seqno() < s.lastSubmitted);
  }

  /** A new link for the unbuilt head of {@code s}: on its newest built link, the signaled stub. */
  private static FenceChain headLink(State s) {
    return FenceChain.create(s.fence, Fence.stub(), s.lastSubmitted);
  }

  /** The highest point added in {@code s} (a host run's counter, read once). */
  private static long lastSubmitted(State s) {
    HostRun run = s.run;
    return run == null ? s.lastSubmitted : run.last();
  }

  /** The current state with no host run in it (a run is sealed first: see the overview). */
  private State settled() {
    for (; ; ) {
      State s = state;
      HostRun run = s.run;
      if (run == null) {
        return s;
      }
      State t = new State(null, run.seal(), s.generation, null);
      if (casState(s, t)) {
        return t;
      }
    }
  }

  /** The current state with its head link built (built by CAS if it was not). */
  private State built() {
    for (; ; ) {
      State s = settled();
      if (!unbuilt(s)) {
        return s;
      }
      FenceChain link = headLink(s);
      if (s.fence == null) {
        // Over nothing: only the signaled stub. Set its flag now (no one else's code runs: the
        // link is new), so that later host signals see it done and drop it.
        boolean unused = link.isSignaled();
      }
      State b = new State(link, s.lastSubmitted, s.generation, s.listeners);
      if (casState(s, b)) {
        return b;
      }
    }
  }

  /**
   * The fence for {@code point} in {@code s}, or null if nothing is submitted for it; {@code s} has
   * its head built, or {@code point} is at or below its newest built link.
   */
  private static @Nullable Fence resolve(State s, long point) {
    Fence f = s.fence;
    if (f == null) {
      return null;
    }
    if (point == 0) {
      return f;
    }
    if (point > s.lastSubmitted) {
      return null;
    }
    return FenceChain.findSeqno(f, point);
  }

  /**
   * Waits up to {@code timeout} for {@code point} to be submitted and returns its fence (the
   * kernel's {@code WAIT_FOR_SUBMIT} lookup): at once if it exists, else the first fence that
   * appears for it. Does not wait for the fence to signal.
   *
   * @param point the point, {@code >= 0}; 0 waits for the slot to hold a fence
   * @param timeout how long to wait; zero polls
   * @return the fence, or empty on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code point} or {@code timeout} is negative
   * @throws NullPointerException if {@code timeout} is null
   */
  public Optional<Fence> awaitSubmitted(long point, Duration timeout) throws InterruptedException {
    return awaitSubmittedNanos(point, Timeouts.toNanos(timeout));
  }

  /**
   * Waits up to {@code timeout} for {@code point} to be submitted and returns its fence; see {@link
   * #awaitSubmitted(long, Duration)}.
   *
   * @param point the point, {@code >= 0}; 0 waits for the slot to hold a fence
   * @param timeout how long to wait, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @return the fence, or empty on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code point} or {@code timeout} is negative
   * @throws NullPointerException if {@code unit} is null
   */
  public Optional<Fence> awaitSubmitted(long point, long timeout, TimeUnit unit)
      throws InterruptedException {
    return awaitSubmittedNanos(point, Timeouts.toNanos(timeout, unit));
  }

  private Optional<Fence> awaitSubmittedNanos(long point, long nanos) throws InterruptedException {
    requireNotNegative(point, "point");
    SyncPoint[] points = {new SyncPoint(this, point)};
    Fence[] found = new Fence[1];
    awaitPoints(points, nanos, true, true, true, found);
    return Optional.ofNullable(found[0]);
  }

  /**
   * Returns a future that completes with the fence of {@code point} once the point is submitted: at
   * once if it is, else with the first fence that appears for it (the kernel's syncobj eventfd with
   * {@code WAIT_AVAILABLE}). The future completes in the thread that submits, after any thread
   * blocked on the same submission has been woken; attach heavy work with the {@code *Async}
   * methods. Cancelling (or otherwise completing) the future removes its registration: nothing of
   * it stays on the object.
   *
   * @param point the point, {@code >= 0}; 0 waits for the slot to hold a fence
   * @return a new future
   * @throws IllegalArgumentException if {@code point} is negative
   */
  public CompletableFuture<Fence> whenSubmitted(long point) {
    requireNotNegative(point, "point");
    CompletableFuture<Fence> future = new CompletableFuture<>();
    FutureListener listener = new FutureListener(point, future);
    Fence existing = addListener(listener);
    if (existing != null) {
      future.complete(existing);
    } else {
      CompletableFuture<Fence> unused =
          future.whenComplete((fence, failure) -> removeListener(listener));
    }
    return future;
  }

  // ---------------------------------------------------------------------------------------------
  // Transfer and sync files

  /**
   * Makes {@code src}'s fence for {@code srcPoint} this object's fence at {@code point} (the
   * kernel's {@code DRM_IOCTL_SYNCOBJ_TRANSFER}): for {@code point == 0} it {@linkplain
   * #replace(Fence) replaces} the binary fence; for a point above 0 it {@linkplain #addPoint adds}
   * what the source point waits for, flattened ({@link Fences#merge(Fence...)} of its leaves),
   * since points take no chains. {@code src} may be this object.
   *
   * @param point the destination point: 0, or above {@link #lastSubmittedPoint()}
   * @param src the source object
   * @param srcPoint the source point, {@code >= 0}
   * @throws IllegalStateException if nothing is submitted at {@code srcPoint} of {@code src}
   *     (checked before the destination point)
   * @throws IllegalArgumentException if a point is negative, or {@code point} is above 0 and not
   *     above {@link #lastSubmittedPoint()}; the object is unchanged
   * @throws NullPointerException if {@code src} is null
   */
  public void transfer(long point, SyncObject src, long srcPoint) {
    Objects.requireNonNull(src, "src");
    requireNotNegative(point, "point");
    requireNotNegative(srcPoint, "srcPoint");
    Fence f = src.resolveNow(srcPoint);
    if (f == null) {
      throw new IllegalStateException(
          "nothing submitted at point " + srcPoint + " of the source: " + src.describe());
    }
    put(point, f);
  }

  /**
   * Returns a new sync file on the fence of {@code point} (the kernel's {@code EXPORT_SYNC_FILE}):
   * a snapshot; later changes to this object do not change the file.
   *
   * @param point the point, {@code >= 0}; 0 for the current fence
   * @return a new open sync file
   * @throws IllegalStateException if nothing is submitted at {@code point}
   * @throws IllegalArgumentException if {@code point} is negative
   */
  public SyncFile exportSyncFile(long point) {
    requireNotNegative(point, "point");
    Fence f = resolveNow(point);
    if (f == null) {
      throw new IllegalStateException("nothing submitted at point " + point + ": " + describe());
    }
    return SyncFile.create(f);
  }

  /**
   * Puts the fence of {@code file} at {@code point} (the kernel's {@code IMPORT_SYNC_FILE}): for
   * point 0 it {@linkplain #replace(Fence) replaces} the binary fence; above 0 it {@linkplain
   * #addPoint adds} the file's fence flattened ({@link Fences#merge(Fence...)}). The file stays
   * open and unchanged.
   *
   * @param file the sync file
   * @param point the destination point: 0, or above {@link #lastSubmittedPoint()}
   * @throws IllegalStateException if {@code file} is closed
   * @throws IllegalArgumentException if {@code point} is negative, or above 0 and not above {@link
   *     #lastSubmittedPoint()}; the object is unchanged
   * @throws NullPointerException if {@code file} is null
   */
  public void importSyncFile(SyncFile file, long point) {
    Objects.requireNonNull(file, "file");
    requireNotNegative(point, "point");
    put(point, file.fence());
  }

  private void put(long point, Fence f) {
    if (point == 0) {
      replace(f);
      return;
    }
    long last = lastSubmitted(state);
    if (point <= last) { // checked here too, so that nothing is merged for nothing
      throw new IllegalArgumentException(
          "unordered point "
              + point
              + ": points must increase, the last submitted point is "
              + last);
    }
    addPoint(point, Fences.merge(f));
  }

  // ---------------------------------------------------------------------------------------------
  // Waits

  /**
   * Returns a {@link SyncPoint} of this object, for the wait lists.
   *
   * @param point the point, {@code >= 0}; 0 for the binary view
   * @return the sync point
   * @throws IllegalArgumentException if {@code point} is negative
   */
  public SyncPoint at(long point) {
    return new SyncPoint(this, point);
  }

  /**
   * Waits until any of {@code points} is done and returns the lowest index among the points done
   * when it returns (the kernel's {@code DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT} without {@code WAIT_ALL},
   * its {@code first_signaled}).
   *
   * <p>A point is done when its fence has signaled (with or without error); with {@link
   * WaitFlag#AVAILABLE}, when a fence exists for it. Without {@link WaitFlag#FOR_SUBMIT}, a point
   * with nothing submitted fails the call at once; with it, the wait covers submission too and
   * waits on the first fence that appears for the point. The wait works on the fences it found: a
   * {@code reset}, {@code replace} or later point during the wait does not change what it waits
   * for.
   *
   * @param points the points (of one or several objects), non-empty
   * @param timeout how long to wait; zero polls
   * @param flags {@link WaitFlag#FOR_SUBMIT}, {@link WaitFlag#AVAILABLE}, both or none
   * @return the lowest index of a done point, or -1 on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalStateException if, without {@code FOR_SUBMIT}, a point has nothing submitted
   *     (the message names its index and point)
   * @throws IllegalArgumentException if {@code points} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static int waitAny(List<SyncPoint> points, Duration timeout, WaitFlag... flags)
      throws InterruptedException {
    return waitNanos(points, Timeouts.toNanos(timeout), flags, false);
  }

  /**
   * Waits until any of {@code points} is done; see {@link #waitAny(List, Duration, WaitFlag...)}.
   *
   * @param points the points (of one or several objects), non-empty
   * @param timeout how long to wait, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @param flags {@link WaitFlag#FOR_SUBMIT}, {@link WaitFlag#AVAILABLE}, both or none
   * @return the lowest index of a done point, or -1 on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalStateException if, without {@code FOR_SUBMIT}, a point has nothing submitted
   * @throws IllegalArgumentException if {@code points} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static int waitAny(List<SyncPoint> points, long timeout, TimeUnit unit, WaitFlag... flags)
      throws InterruptedException {
    return waitNanos(points, Timeouts.toNanos(timeout, unit), flags, false);
  }

  /**
   * Waits until every one of {@code points} is done (the kernel's {@code TIMELINE_WAIT} with {@code
   * WAIT_ALL}). "Done", the flags and the snapshot rule are those of {@link #waitAny(List,
   * Duration, WaitFlag...)}.
   *
   * @param points the points (of one or several objects), non-empty
   * @param timeout how long to wait in all; zero polls
   * @param flags {@link WaitFlag#FOR_SUBMIT}, {@link WaitFlag#AVAILABLE}, both or none
   * @return {@code true} if every point is done, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalStateException if, without {@code FOR_SUBMIT}, a point has nothing submitted
   *     (the message names its index and point)
   * @throws IllegalArgumentException if {@code points} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static boolean waitAll(List<SyncPoint> points, Duration timeout, WaitFlag... flags)
      throws InterruptedException {
    return waitNanos(points, Timeouts.toNanos(timeout), flags, true) >= 0;
  }

  /**
   * Waits until every one of {@code points} is done; see {@link #waitAll(List, Duration,
   * WaitFlag...)}.
   *
   * @param points the points (of one or several objects), non-empty
   * @param timeout how long to wait in all, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @param flags {@link WaitFlag#FOR_SUBMIT}, {@link WaitFlag#AVAILABLE}, both or none
   * @return {@code true} if every point is done, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalStateException if, without {@code FOR_SUBMIT}, a point has nothing submitted
   * @throws IllegalArgumentException if {@code points} is empty or {@code timeout} is negative
   * @throws NullPointerException if an argument or an element is null
   */
  public static boolean waitAll(
      List<SyncPoint> points, long timeout, TimeUnit unit, WaitFlag... flags)
      throws InterruptedException {
    return waitNanos(points, Timeouts.toNanos(timeout, unit), flags, true) >= 0;
  }

  private static int waitNanos(List<SyncPoint> points, long nanos, WaitFlag[] flags, boolean all)
      throws InterruptedException {
    Objects.requireNonNull(points, "points");
    Objects.requireNonNull(flags, "flags");
    boolean forSubmit = false;
    boolean available = false;
    for (int i = 0; i < flags.length; i++) {
      WaitFlag flag = flags[i];
      if (flag == null) {
        throw new NullPointerException("flags[" + i + "]");
      }
      if (flag == WaitFlag.FOR_SUBMIT) {
        forSubmit = true;
      } else {
        available = true;
      }
    }
    if (all && allDoneNow(points, available)) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      return 0;
    }
    SyncPoint[] snapshot = points.toArray(new SyncPoint[0]);
    if (snapshot.length == 0) {
      throw new IllegalArgumentException("a wait needs at least one point");
    }
    for (int i = 0; i < snapshot.length; i++) {
      if (snapshot[i] == null) {
        throw new NullPointerException("points[" + i + "]");
      }
    }
    return awaitPoints(snapshot, nanos, forSubmit, available, all, new Fence[snapshot.length]);
  }

  /**
   * Whether every point of {@code points} is done already, judged in place: no copy of the list, no
   * array, no walk over links that are already known to have signaled. The states and floors are
   * read with plain semantics (a State's fields are final; a floor only rises, and any value read
   * was true when written), so the compiler may keep the list's own fields in registers across the
   * scan; one acquire fence after it makes the caller see what was written before each point's
   * signal, as a volatile read of each would. False whenever in doubt (an element that is null,
   * unsubmitted or pending, an empty or not random-access list): the full wait then decides, and
   * reports bad input, as if this had not run.
   */
  private static boolean allDoneNow(List<SyncPoint> points, boolean available) {
    if (!(points instanceof RandomAccess)) {
      return false;
    }
    int n = points.size();
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      SyncPoint p = points.get(i);
      if (p == null || !isDoneNow((State) STATE.get(p.syncObject()), p.point(), available)) {
        return false;
      }
    }
    VarHandle.acquireFence(); // pairs with the releases that made each point's state and floor
    return true;
  }

  /**
   * Whether {@code point} is done in {@code s}, with the wait's rule: submitted (with {@code
   * available}), else its fence signaled. A timeline point is signaled exactly when every point up
   * to it is, so it is answered by the counter query: the generation's floor (one volatile read)
   * once a query has seen the point signaled, else the query itself, which raises the floor.
   */
  private static boolean isDoneNow(State s, long point, boolean available) {
    HostRun run = s.run;
    if (run != null) {
      return point != 0 && point <= run.last(); // host-signaled points only
    }
    if (point == 0) {
      Fence f = s.fence; // an unbuilt head: the full wait builds it
      return f != null && !unbuilt(s) && (available || f.isSignaled());
    }
    if (point > s.lastSubmitted) {
      return false;
    }
    return available
        || point <= (long) Generation.FLOOR.get(s.generation)
        || point <= signaledPoint(s);
  }

  /**
   * The one wait: fills {@code found} with the fence of each point (null while unsubmitted) and
   * returns, for any, the lowest done index or -1; for all, 0 when all are done or -1.
   */
  private static int awaitPoints(
      SyncPoint[] points,
      long nanos,
      boolean forSubmit,
      boolean available,
      boolean all,
      @Nullable Fence[] found)
      throws InterruptedException {
    int unresolved = 0;
    for (int i = 0; i < points.length; i++) {
      SyncPoint p = points[i];
      Fence f = p.syncObject().resolveNow(p.point());
      if (f == null) {
        if (!forSubmit) {
          throw new IllegalStateException(
              "points["
                  + i
                  + "] (point "
                  + p.point()
                  + ") has nothing submitted: "
                  + p.syncObject().describe());
        }
        unresolved++;
      }
      found[i] = f;
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    int result = evaluate(found, available, all);
    if (result >= 0 || nanos == 0L) {
      return result;
    }
    long deadline = System.nanoTime() + nanos;
    Waiter waiter = unresolved > 0 ? new Waiter(points, found) : null;
    try {
      for (; ; ) {
        boolean awaitingSubmission = waiter != null && waiter.refresh(found);
        result = evaluate(found, available, all);
        if (result >= 0) {
          return result;
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0L) {
          return -1;
        }
        if (awaitingSubmission && (all || available)) {
          // Nothing but a submission can complete the wait now: wait for one.
          Objects.requireNonNull(waiter).wake.await(remaining, TimeUnit.NANOSECONDS);
        } else if (all) {
          // Every point has its fence: fence-core's wait-all does the rest.
          return Fences.waitAll(pending(found), remaining, TimeUnit.NANOSECONDS) ? 0 : -1;
        } else {
          List<Fence> wakeOn = pending(found);
          if (awaitingSubmission) {
            wakeOn.add(Objects.requireNonNull(waiter).wake);
          }
          if (!wakeOn.isEmpty()) { // empty: one signaled since evaluate; look again
            Fences.waitAny(wakeOn, remaining, TimeUnit.NANOSECONDS);
          }
        }
      }
    } finally {
      if (waiter != null) {
        waiter.unregister();
      }
    }
  }

  /** For any: the lowest done index, else -1. For all: 0 if all are done, else -1. */
  private static int evaluate(@Nullable Fence[] found, boolean available, boolean all) {
    for (int i = 0; i < found.length; i++) {
      Fence f = found[i];
      boolean done = f != null && (available || f.isSignaled());
      if (done != all) {
        return all ? -1 : i;
      }
    }
    return all ? 0 : -1;
  }

  /** The found fences that have not signaled, in a new list. */
  private static List<Fence> pending(@Nullable Fence[] found) {
    List<Fence> list = new ArrayList<>(found.length + 1);
    for (Fence f : found) {
      if (f != null && !f.isSignaled()) {
        list.add(f);
      }
    }
    return list;
  }

  // ---------------------------------------------------------------------------------------------
  // Listeners (waiting for submission)

  /**
   * Registers {@code listener} unless its point is submitted already; then returns the point's
   * fence and registers nothing. One CAS does both the check and the registration.
   */
  private @Nullable Fence addListener(Listener listener) {
    for (; ; ) {
      State s = settled();
      if (needsHead(s, listener.point)) {
        s = built();
      }
      Fence f = resolve(s, listener.point);
      if (f != null) {
        return f;
      }
      ListenerNode pushed = new ListenerNode(listener, s.listeners);
      if (casState(s, new State(s.fence, s.lastSubmitted, s.generation, pushed))) {
        return null;
      }
    }
  }

  /** Removes {@code listener} if it is still registered (a submission may have taken it). */
  private void removeListener(Listener listener) {
    for (; ; ) {
      State s = state;
      ListenerNode remaining = ListenerNode.remove(s.listeners, listener);
      if (remaining == s.listeners) {
        return;
      }
      if (casState(s, new State(s.fence, s.lastSubmitted, s.generation, remaining))) {
        return;
      }
    }
  }

  /**
   * Tells every listener in {@code taken} (the ones the installing CAS took off the state) which
   * fence appeared for its point in {@code next}: blocked waits first, then futures. A listener
   * that throws does not stop the others; the first throwable is rethrown.
   */
  private static void notifySubmitted(@Nullable ListenerNode taken, State next) {
    if (taken == null) {
      return; // the common case: nobody was waiting
    }
    Throwable failure = null;
    for (int pass = 0; pass < 2; pass++) {
      for (ListenerNode n = taken; n != null; n = n.next) {
        Listener l = n.listener;
        if (l.isWait() != (pass == 0)) {
          continue;
        }
        try {
          l.submitted(Objects.requireNonNull(resolve(next, l.point)));
        } catch (Throwable t) {
          if (failure == null) {
            failure = t;
          }
        }
      }
    }
    if (failure instanceof RuntimeException) {
      throw (RuntimeException) failure;
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Debugging

  /**
   * Returns one debug line: the view (empty, binary with the fence's {@code describe()}, or
   * timeline with its submitted and signaled points and head link), and the number of waits for
   * submission. The format may change.
   *
   * @return the description
   */
  public String describe() {
    State s = state;
    StringBuilder sb = new StringBuilder("syncobj[");
    Fence f = s.fence;
    long last = lastSubmitted(s);
    if (last > 0) {
      sb.append("timeline submitted=")
          .append(last)
          .append(" signaled=")
          .append(s.run != null ? last : signaledPoint(s))
          .append(" head=");
      if (s.run != null || unbuilt(s)) {
        sb.append("host signal, link not built yet");
        if (f != null) {
          sb.append(", over ").append(f.describe());
        }
      } else {
        sb.append(Objects.requireNonNull(f).describe());
      }
    } else if (f == null) {
      sb.append("empty");
    } else {
      sb.append("binary fence=").append(f.describe());
    }
    int listeners = 0;
    for (ListenerNode n = s.listeners; n != null; n = n.next) {
      listeners++;
    }
    if (listeners > 0) {
      sb.append(" waitingForSubmit=").append(listeners);
    }
    return sb.append(']').toString();
  }

  /** Returns {@link #describe()}. */
  @Override
  public String toString() {
    return describe();
  }

  /** Lines of a pending timeline listed by {@link #dumpTo} at most. */
  private static final int DUMP_MAX_POINTS = 64;

  /**
   * Appends this object's block to a {@code SyncDebug} dump: {@code syncobj@<id>: <view>}, then
   * each pending fence indented by two spaces (binary: {@code fence active: <describe>}; timeline:
   * {@code point active: <point> <describe of its fence>}, newest first). Reads signaled flags
   * only: never signals a fence, never collects links, never runs a callback.
   */
  private static void dumpTo(SyncObject o, StringBuilder out) {
    State s = o.state;
    Fence f = s.fence;
    out.append("syncobj@").append(Integer.toHexString(System.identityHashCode(o))).append(": ");
    Diagnostics.Access access = Diagnostics.access();
    if (s.run != null) {
      out.append("timeline submitted=").append(s.run.last()).append('\n');
    } else if (f == null && s.lastSubmitted == 0) {
      out.append("empty\n");
    } else if (f != null && (s.lastSubmitted == 0 || !(f instanceof FenceChain))) {
      out.append("binary\n");
      if (!access.isSignaledFlag(f)) {
        out.append("  fence active: ").append(Diagnostics.describe(f)).append('\n');
      }
    } else {
      out.append("timeline submitted=").append(s.lastSubmitted).append('\n');
      Fence link = f;
      for (int shown = 0; link instanceof FenceChain && !access.isSignaledFlag(link); ) {
        if (shown++ == DUMP_MAX_POINTS) {
          out.append("  ...\n");
          break;
        }
        Fence own = ((FenceChain) link).fence();
        Fence prev = null;
        for (Fence w : access.waitingOn(link)) {
          if (w != own) {
            prev = w;
          }
        }
        if (!access.isSignaledFlag(own)) {
          out.append("  point active: ")
              .append(link.seqno())
              .append(' ')
              .append(Diagnostics.describe(own))
              .append('\n');
        }
        link = prev;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private static void requireNotNegative(long point, String name) {
    if (point < 0) {
      throw new IllegalArgumentException(name + " must not be negative, was " + point);
    }
  }

  private boolean casState(State expected, State next) {
    return STATE.compareAndSet(this, expected, next);
  }

  /** The object's whole state; immutable. See the overview. */
  private static final class State {
    final @Nullable Fence fence;
    final long lastSubmitted;
    final Generation generation;
    final @Nullable ListenerNode listeners;

    /** A host run's counter (fence and listeners are then null); see the overview. */
    final @Nullable HostRun run;

    State(
        @Nullable Fence fence,
        long lastSubmitted,
        Generation generation,
        @Nullable ListenerNode listeners) {
      this.fence = fence;
      this.lastSubmitted = lastSubmitted;
      this.generation = generation;
      this.listeners = listeners;
      this.run = null;
    }

    /** A state of a host run: nothing built, nobody waiting, the counter in {@code run}. */
    State(Generation generation, HostRun run) {
      this.fence = null;
      this.lastSubmitted = 0L; // read through lastSubmitted(State)
      this.generation = generation;
      this.listeners = null;
      this.run = run;
    }
  }

  /**
   * The counter of a host run (see the overview): advanced in place by CAS, sealed (sign bit)
   * before any new state replaces the one holding it, and never advanced after.
   */
  private static final class HostRun {
    private static final long SEALED = Long.MIN_VALUE;

    /** The last host-signaled point, with {@link #SEALED} set once sealed. */
    volatile long point;

    HostRun(long point) {
      this.point = point;
    }

    /** The last point of the run, sealed or not. */
    long last() {
      return point & Long.MAX_VALUE;
    }

    /**
     * Moves the counter to {@code to}; false (and nothing changed) if the run is sealed.
     *
     * @throws IllegalArgumentException if {@code to} is not above the counter
     */
    boolean advance(long to) {
      for (; ; ) {
        long p = point;
        if (p < 0) {
          return false;
        }
        if (to <= p) {
          throw unordered(to, p);
        }
        if (POINT.compareAndSet(this, p, to)) {
          return true;
        }
      }
    }

    /** Seals the run (idempotent) and returns its last point. */
    long seal() {
      for (; ; ) {
        long p = point;
        if (p < 0 || POINT.compareAndSet(this, p, p | SEALED)) {
          return p & Long.MAX_VALUE;
        }
      }
    }

    private static final VarHandle POINT;

    static {
      try {
        POINT = MethodHandles.lookup().findVarHandle(HostRun.class, "point", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /**
   * One run of a timeline, from the object becoming empty or binary until it next does: the floor
   * that keeps {@link #lastSignaledPoint()} from decreasing, and the collection heuristics.
   */
  private static final class Generation {
    /** Highest value {@link #lastSignaledPoint()} has returned; only raised, by CAS. */
    volatile long signaledFloor;

    /**
     * The oldest link a query found with its own fence pending, or null. Links are only ever added
     * at the head and removed from behind, and only once signaled, so while its fence is pending it
     * is still the oldest link and the answer is its prevSeqno: queries on a timeline whose oldest
     * point is pending cost O(1), not a walk over every pending point. Racy: a stale value is an
     * older link that was the oldest once; if its fence is pending it still is.
     */
    volatile @Nullable FenceChain pendingBottom;

    /** Points added since the last collecting walk; racy heuristic. */
    private int addsSinceWalk;

    /** Links the last collecting walk found; racy heuristic. */
    private int liveAtWalk;

    long raiseFloor(long value) {
      for (; ; ) {
        long floor = signaledFloor;
        if (value <= floor) {
          return floor;
        }
        if (FLOOR.compareAndSet(this, floor, value)) {
          return value;
        }
      }
    }

    /** Walks (and so collects) the chain once every max(GC_MIN, live links) points. */
    void collect(FenceChain head) {
      if (++addsSinceWalk < Math.max(GC_MIN, liveAtWalk)) {
        return;
      }
      int live = 0;
      for (Fence ignored : FenceChain.walk(head)) {
        live++;
      }
      liveAtWalk = live;
      addsSinceWalk = 0;
    }

    private static final VarHandle FLOOR;

    static {
      try {
        FLOOR = MethodHandles.lookup().findVarHandle(Generation.class, "signaledFloor", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /** An immutable stack of listeners; every change builds new nodes (iteratively). */
  private static final class ListenerNode {
    final Listener listener;
    final @Nullable ListenerNode next;

    ListenerNode(Listener listener, @Nullable ListenerNode next) {
      this.listener = listener;
      this.next = next;
    }

    /** {@code list} without {@code l}; {@code list} itself if {@code l} is not in it. */
    static @Nullable ListenerNode remove(@Nullable ListenerNode list, Listener l) {
      int depth = 0;
      ListenerNode n = list;
      while (n != null && n.listener != l) {
        n = n.next;
        depth++;
      }
      if (n == null) {
        return list;
      }
      Listener[] above = new Listener[depth];
      ListenerNode m = list;
      for (int i = 0; i < depth; i++) {
        above[i] = Objects.requireNonNull(m).listener;
        m = m.next;
      }
      ListenerNode result = n.next;
      for (int i = depth - 1; i >= 0; i--) {
        result = new ListenerNode(above[i], result);
      }
      return result;
    }

    /**
     * The listeners of {@code list} whose point is {@code <= point} ({@code taken}) or above it
     * (not {@code taken}), in list order; {@code list} itself if that is all of them.
     */
    static @Nullable ListenerNode filter(@Nullable ListenerNode list, long point, boolean taken) {
      if (list == null) {
        return null;
      }
      List<Listener> kept = new ArrayList<>();
      int total = 0;
      for (ListenerNode n = list; n != null; n = n.next) {
        total++;
        if ((n.listener.point <= point) == taken) {
          kept.add(n.listener);
        }
      }
      if (kept.size() == total) {
        return list;
      }
      ListenerNode result = null;
      for (int i = kept.size() - 1; i >= 0; i--) {
        result = new ListenerNode(kept.get(i), result);
      }
      return result;
    }
  }

  /** Something waiting for a point to be submitted. */
  private abstract static class Listener {
    final long point;

    Listener(long point) {
      this.point = point;
    }

    /** Whether this is a blocked wait (told before the futures). */
    abstract boolean isWait();

    /** Told once, by the thread whose submission made {@code fence} appear for the point. */
    abstract void submitted(Fence fence);
  }

  /** A whenSubmitted future. */
  private static final class FutureListener extends Listener {
    final CompletableFuture<Fence> future;

    FutureListener(long point, CompletableFuture<Fence> future) {
      super(point);
      this.future = future;
    }

    @Override
    boolean isWait() {
      return false;
    }

    @Override
    void submitted(Fence fence) {
      future.complete(fence);
    }
  }

  /** One unsubmitted point of a blocking wait. */
  private static final class WaitSlot extends Listener {
    final Waiter waiter;
    volatile @Nullable Fence found;

    WaitSlot(long point, Waiter waiter) {
      super(point);
      this.waiter = waiter;
    }

    @Override
    boolean isWait() {
      return true;
    }

    @Override
    void submitted(Fence fence) {
      found = fence;
      waiter.wake.signal(); // read after the write of `found`: see the overview
    }
  }

  /**
   * The submission side of one blocking wait: a slot per point that was not submitted when the wait
   * started, and the private fence that wakes the waiting thread when one is.
   */
  private static final class Waiter {
    private final SyncPoint[] points;
    private final @Nullable WaitSlot[] slots;

    /** Signaled by a slot's submission; replaced by the waiting thread once signaled. */
    volatile WakeFence wake = new WakeFence(this);

    Waiter(SyncPoint[] points, @Nullable Fence[] found) {
      this.points = points;
      this.slots = new WaitSlot[points.length];
      for (int i = 0; i < points.length; i++) {
        if (found[i] == null) {
          WaitSlot slot = new WaitSlot(points[i].point(), this);
          slots[i] = slot;
          Fence now = points[i].syncObject().addListener(slot);
          if (now != null) {
            slot.found = now; // submitted meanwhile: nothing was registered
          }
        }
      }
    }

    /**
     * Arms a fresh wake fence if the old one fired, then copies the fences that appeared into
     * {@code found}. Returns whether some point is still unsubmitted.
     */
    boolean refresh(@Nullable Fence[] found) {
      if (wake.isSignaled()) {
        wake = new WakeFence(this); // before reading the slots: see the overview
      }
      boolean awaiting = false;
      for (int i = 0; i < slots.length; i++) {
        WaitSlot slot = slots[i];
        if (slot != null && found[i] == null) {
          Fence f = slot.found;
          if (f == null) {
            awaiting = true;
          } else {
            found[i] = f;
          }
        }
      }
      return awaiting;
    }

    /** Removes every slot still registered on its object. */
    void unregister() {
      for (int i = 0; i < slots.length; i++) {
        WaitSlot slot = slots[i];
        if (slot != null && slot.found == null) {
          points[i].syncObject().removeListener(slot);
        }
      }
    }
  }

  /**
   * The private fence a blocked wait parks on while it waits for a submission. Diagnosis (fence
   * tracking, the watchdog, JFR) shows the waiting thread on it; its description names the points
   * the wait still expects to be submitted.
   */
  private static final class WakeFence extends Fence {
    private final Waiter waiter;

    WakeFence(Waiter waiter) {
      super(WAKE_CONTEXT, 0L);
      this.waiter = waiter;
    }

    /**
     * The usual line, then {@code "; waiting for submission of point <p> of syncobj@<id>, ..."}
     * (the first three such points and a count). Reads only the wait's own fields; never throws.
     */
    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder(super.describe());
      int listed = 0;
      int more = 0;
      for (int i = 0; i < waiter.slots.length; i++) {
        WaitSlot slot = waiter.slots[i];
        if (slot == null || slot.found != null) {
          continue;
        }
        if (listed == 3) {
          more++;
          continue;
        }
        sb.append(listed++ == 0 ? "; waiting for submission of " : ", ")
            .append("point ")
            .append(slot.point)
            .append(" of syncobj@")
            .append(Integer.toHexString(System.identityHashCode(waiter.points[i].syncObject())));
      }
      if (more > 0) {
        sb.append(" and ").append(more).append(" more");
      }
      return sb.toString();
    }

    @Override
    public String driverName() {
      return "syncobj";
    }

    @Override
    public String timelineName() {
      return "wait-for-submit";
    }
  }

  // VarHandle mechanics
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(SyncObject.class, "state", State.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
