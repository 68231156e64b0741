package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.Timeouts;
import org.jspecify.annotations.Nullable;

/**
 * A one-shot completion with identity: the promise that some asynchronous work (rendering into a
 * buffer, decoding a frame, a pipeline stage) finishes.
 *
 * <p>A fence belongs to a <em>context</em>, a timeline on which fences are totally ordered by their
 * 64-bit <em>sequence number</em>; fences of one context must signal in seqno order. The producer
 * signals a fence once, optionally with a {@link FenceError}; consumers {@link #await wait}, {@link
 * #isSignaled poll}, or {@link #addCallback register callbacks}. Signaling is one-way and happens
 * once; later calls are no-ops that return {@code false}.
 *
 * <p>Subclass it to make a "driver" fence: implement {@link #driverName()} and {@link
 * #timelineName()}, and optionally the hooks {@link #onEnableSignaling()} (signaling is enabled
 * lazily, on the first callback, wait or {@link #enableSignaling()}), {@link #peekSignaled()} (a
 * fast "already done?" check) and {@link #onDeadline(long)} (a waiter's hint).
 *
 * <pre>{@code
 * FenceContext ctx = FenceContext.create("gpu", "render-ring");
 * Fence done = ctx.next();                 // hand it to consumers
 * done.addCallback(f -> display(buffer));  // runs once, in the signaling thread
 * ...
 * done.signal();                           // or done.signal(FenceError.EIO)
 * }</pre>
 *
 * <p>Thread-safety: every method is thread-safe. Callbacks run in the thread that signals, after
 * the fence is visibly signaled, in registration order (each starts after the one before it has
 * started; callbacks moved to a relay thread after a stall, below, may run while the stalled one
 * still runs), exactly once, and never while fence4j holds a lock; a callback may add or remove
 * callbacks, signal other fences, or release what it guards. Signals that cascade through callbacks
 * do not grow the stack: the outermost {@code signal()} runs them iteratively, and when it returns
 * every inline callback registered before it has run. Every waiter (any fence4j wait) is woken
 * before any callback of the fence runs. A callback that blocks does not hold up the callbacks
 * queued behind it: blocking in a fence4j wait hands them to a relay thread at once, and blocking
 * in any other way (a lock, a latch, I/O) or running long has them taken over by a relay thread
 * after a short stall (about a millisecond when the thread is blocked); they never run inside the
 * blocked callback, and the outermost {@code signal()} still returns only after they have run
 * (unless they block in turn for a while, since they might be waiting for the signaling thread
 * itself). If the fence's {@link #onEnableSignaling()} hook throws, the fence fails with {@link
 * FenceError#EIO} (see {@link #enableSignaling()}). Blocking waits park with {@link LockSupport};
 * no monitors are used, so waiting virtual threads do not pin their carrier.
 *
 * <p>Memory consistency effects: actions before a signal happen-before actions after observing the
 * fence signaled (in another thread's {@code isSignaled()}, {@code await}, or a callback), and the
 * error and timestamp are visible to every thread that sees the fence signaled.
 */
public abstract class Fence {
  /*
   * Implementation overview
   * -----------------------
   * All state lives in one volatile word, `state`:
   *
   *   null ........ pending; signaling not enabled; no callbacks, no error set
   *   Node list ... pending; a Treiber stack of entries, newest first:
   *                   Listener (CallbackNode, UrgentCallbackNode, ExecutorCallbackNode, Waiter)
   *                   ErrorNode: the error given to setError (at most one: a new one replaces it)
   *                   ENABLED: bottom marker, present once signaling was enabled
   *   terminal .... signaled: SIGNALED (no error), a FenceError (error, no cause), or a Failure
   *                 (error and cause). Anything that is neither null nor a Node is terminal.
   *
   *   null/list --(one CAS by the winning signal)--> terminal
   *
   * Linearization of signal(): its successful CAS. Everything that can fail is done before it:
   * the clock is read and the outcome (explicit, or the pending ErrorNode's error) is computed from
   * the exact list the CAS replaces, so the CAS publishes the error with the signaled state and
   * detaches the whole list at once (each listener is claimed exactly once, by the winner). No
   * thread ever waits for another thread's signal to finish: there is no "claimed but not yet
   * signaled" state. The error and cause live in the terminal object, so a fence that never fails
   * carries no error field (the pending object is three longs and one reference).
   *
   * The timestamp is the one thing written after the CAS (by the winner alone; a loser's clock read
   * is discarded): a release store of a value read before the CAS. timestampNanos() on a signaled
   * fence spins while it still holds the NO_TIMESTAMP sentinel: a window of one store that cannot
   * be wedged, because if that store's call throws (StackOverflowError), the catch block repeats it
   * with bytecodes alone (a plain store, then a volatile store of `state`), which cannot throw.
   *
   * A fence with entries is claimed inside the per-thread Dispatcher (Dispatcher.signal), not in
   * signal() itself: everything that may fail (fetching the dispatcher, making room in its queue)
   * comes before the CAS, so a Throwable there leaves the fence pending and signalable, and from
   * the CAS on the chain is never held by a local across a call that could find no stack. Without
   * entries, signal() claims directly (publishSignal with withListeners false, which backs off with
   * LISTENERS_ADDED if entries appear meanwhile).
   *
   * After the CAS the winner wakes every Waiter (unpark) and relinks the callbacks in registration
   * order, urgent ones (the library's own wake-ups: waitAny, arrays, chains) first, through
   * fifoNext, which only the winner touches; the Dispatcher trampolines nested signals (constant
   * stack) and runs urgent work before any user callback, so every kind of waiter wakes before any
   * callback runs. Callbacks queued behind a callback that waits or stalls move, with their
   * fifoNext links, to a relay thread (a hand-off, or a steal by the stall monitor claimed with a
   * CAS): see Dispatcher and StallMonitor. A Throwable escaping that work (in practice the
   * signaling thread's stack is exhausted, so any call may fail again) loses nothing claimed: the
   * catch block that owns it (publishSignal's, the outermost dispatch's, the dispatcher's runs')
   * publishes it in Orphans with bytecodes alone (an Object[] record, pushed under a monitor or
   * onto the dispatcher's own list, no call), and the stall monitor, which never parks longer than
   * PARK_SLICE, hands it to a relay thread that wakes the waiters and fires the callbacks in order,
   * each exactly once. Waiters also re-check the state at least every PARK_SLICE, so none sleeps
   * on a signaled fence.
   *
   * Pending lists are immutable once published: push is a CAS of a new head; removal CASes in a
   * copy of the nodes above the removed entry, sharing the rest. A CallbackNode is only ever pushed
   * after signaling was enabled, so "enabled" is: the list holds any non-error entry (a listener
   * or ENABLED under the error entry). enableSignaling claims the hook call with one CAS that
   * adds ENABLED at the bottom, so onEnableSignaling() runs at most once; a hook that throws fails
   * the fence (EIO, the exception as cause) before the exception reaches the caller, so nothing
   * waits for a signal that hook would have arranged.
   *
   * Signal with no callbacks allocates nothing: one clock read, one CAS, one release store.
   * isSignaled() on a fence signaled without error is one volatile read and a reference compare.
   */

  /** Terminal state of a fence signaled without error. */
  private static final Object SIGNALED = new Object();

  /** The timestamp of a fence whose signal has not stored it yet; never a real timestamp. */
  private static final long NO_TIMESTAMP = Long.MIN_VALUE;

  /**
   * The longest a blocked waiter parks before it re-checks the state by itself: a backstop for a
   * wake-up lost to a signaling thread that died (StackOverflowError) right after its CAS.
   */
  static final long PARK_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Returned by {@link #without} when the key is not in the list. */
  private static final Node NOT_FOUND = Node.marker("NOT_FOUND");

  private final long context;
  private final long seqno;

  /**
   * Signal time; NO_TIMESTAMP until the winning signal stores it (release), right after its CAS.
   */
  @SuppressWarnings("UnusedVariable") // read and written through the TIMESTAMP VarHandle
  private long timestamp = NO_TIMESTAMP;

  /** See the overview. */
  private volatile @Nullable Object state;

  /** The terminal state of a fence that failed with a cause. */
  private static final class Failure {
    final FenceError error;
    final Throwable cause;

    Failure(FenceError error, Throwable cause) {
      this.error = error;
      this.cause = cause;
    }
  }

  /**
   * Creates a pending fence.
   *
   * @param context the context (timeline) id, normally from {@link FenceContexts#allocate(int)}
   * @param seqno the sequence number within the context; fences of one context signal in seqno
   *     order
   */
  @SuppressWarnings("this-escape") // tracking only records the reference (lint of JDK 21+)
  protected Fence(long context, long seqno) {
    this.context = context;
    this.seqno = seqno;
    if (Diagnostics.isOn()) { // one static volatile read while tracking and tracing are off
      Diagnostics.created(this); // reads only context and seqno: subclass fields are not set yet
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Identity

  /**
   * Returns the context (timeline) id; immutable.
   *
   * @return the context id
   */
  public final long context() {
    return context;
  }

  /**
   * Returns the sequence number within the context; immutable.
   *
   * @return the sequence number
   */
  public final long seqno() {
    return seqno;
  }

  /**
   * Returns the name of the driver (producer) that made this fence, for debugging.
   *
   * @return the driver name, never null
   */
  public abstract String driverName();

  /**
   * Returns the name of the timeline this fence belongs to, for debugging.
   *
   * @return the timeline name, never null
   */
  public abstract String timelineName();

  // ---------------------------------------------------------------------------------------------
  // Producer side

  /**
   * Signals the fence now, stamping it with {@link System#nanoTime()}, and runs its callbacks.
   *
   * <p>If an error was set with {@link #setError}, the fence signals with it. Only the first signal
   * takes effect.
   *
   * @return {@code true} if this call signaled the fence, {@code false} if it was already signaled
   *     (then this call does nothing)
   */
  public final boolean signal() {
    // signal0's body with its arguments fixed, not a call to it: compiled on its own, the shared
    // body keeps the branches of every variant and grows past the JIT's inlining limit, so
    // callers (a cascade's links) would call it instead of inlining it.
    Object s = state;
    if (s instanceof Node && s != Node.ENABLED) {
      return Dispatcher.signal(this, s, null, 0L, true); // claims after all that may fail
    }
    Node.Listener r = publishSignal(s, null, 0L, true, false);
    return r == NO_LISTENERS
        || (r == LISTENERS_ADDED && Dispatcher.signal(this, state, null, 0L, true));
  }

  /**
   * Signals the fence with an explicit timestamp and runs its callbacks.
   *
   * @param timestampNanos the signal time on the {@link System#nanoTime()} clock ({@link
   *     Long#MIN_VALUE}, reserved internally, is recorded as {@code Long.MIN_VALUE + 1})
   * @return {@code true} if this call signaled the fence, {@code false} if it was already signaled
   */
  public final boolean signal(long timestampNanos) {
    return signal0(null, timestampNanos, false);
  }

  /**
   * Records {@code error} and signals the fence, atomically, and runs its callbacks.
   *
   * @param error the error to signal with; replaces one set earlier with {@link #setError}
   * @return {@code true} if this call signaled the fence, {@code false} if it was already signaled
   *     (then the error is not recorded)
   * @throws NullPointerException if {@code error} is null
   */
  public final boolean signal(FenceError error) {
    Objects.requireNonNull(error, "error");
    return signal0(error, 0L, true);
  }

  /**
   * Records {@code error} with the throwable that caused it and signals the fence, atomically, and
   * runs its callbacks. The cause shows in {@link #cause()} and in the {@link FenceErrorException}
   * of {@link #toCompletableFuture()} and {@link #awaitSuccess(Duration)}.
   *
   * @param error the error to signal with; replaces one set earlier with {@link #setError}
   * @param cause what caused the failure
   * @return {@code true} if this call signaled the fence, {@code false} if it was already signaled
   *     (then neither error nor cause is recorded)
   * @throws NullPointerException if an argument is null
   */
  public final boolean signal(FenceError error, Throwable cause) {
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(cause, "cause");
    if (isTerminal(state)) {
      return false;
    }
    return signal0(new Failure(error, cause), 0L, true);
  }

  /**
   * Records an error to signal with later. The error shows ({@link #error()}, {@link #status()})
   * only once the fence is signaled; a later {@code setError} replaces it (the fence keeps one
   * pending error, however often this is called).
   *
   * @param error the error
   * @throws NullPointerException if {@code error} is null
   * @throws IllegalStateException if the fence is already signaled (nothing is changed)
   */
  public final void setError(FenceError error) {
    Objects.requireNonNull(error, "error");
    for (; ; ) {
      Object s = state;
      if (isTerminal(s)) {
        throw new IllegalStateException("setError after signal: " + describe());
      }
      if (casState(s, new Node.ErrorNode(error, withoutError((Node) s)))) {
        return;
      }
    }
  }

  /**
   * Transitions to signaled, wakes the waiters, and returns the callbacks to fire (urgent ones
   * first, each group in registration order), or {@code null} if the fence was already signaled.
   * Runs no callback, so callers holding a lock can fire after unlocking.
   *
   * @param outcome null (the pending error, if any, or none), a FenceError, or a Failure
   */
  final Node.@Nullable Listener publishSignal(
      @Nullable Object outcome, long timestampNanos, boolean readClock) {
    return publishSignal(state, outcome, timestampNanos, readClock, true);
  }

  /**
   * {@link #publishSignal(Object, long, boolean)} from state {@code s}, just read by the caller.
   * With {@code withListeners} false, claims only a state without listeners: if the state has
   * gained entries, returns {@link #LISTENERS_ADDED} and claims nothing (the caller goes to the
   * dispatcher, which claims them itself).
   */
  final Node.@Nullable Listener publishSignal(
      @Nullable Object s,
      @Nullable Object outcome,
      long timestampNanos,
      boolean readClock,
      boolean withListeners) {
    if (isTerminal(s)) {
      return null;
    }
    // Everything that may throw happens before the claim; the CAS is the publication.
    long t = readClock ? System.nanoTime() : timestampNanos;
    if (t == NO_TIMESTAMP) {
      t = NO_TIMESTAMP + 1;
    }
    Object terminal;
    for (; ; ) {
      if (!withListeners) {
        if (s != null && s != Node.ENABLED) {
          return LISTENERS_ADDED;
        }
        Dispatcher.Seam seam = Dispatcher.SEAM;
        if (seam != null) {
          seam.at(Dispatcher.Seam.PRE_CAS);
        }
      }
      terminal = outcome != null ? outcome : pendingOutcome((Node) s);
      if (casState(s, terminal)) {
        break;
      }
      s = state;
      if (isTerminal(s)) {
        return null;
      }
    }
    try {
      Dispatcher.Seam seam = Dispatcher.SEAM;
      if (seam != null) {
        seam.at(Dispatcher.Seam.CLAIMED);
      }
      TIMESTAMP.setRelease(this, t);
      if (s == null || s == Node.ENABLED) {
        return NO_LISTENERS;
      }
      if (seam != null) {
        seam.at(Dispatcher.Seam.WAKE);
      }
      return wakeAndOrder((Node) s); // may be repeated: it rebuilds every link
    } catch (Throwable e) {
      // No call may be made here (the stack may be exhausted): bytecodes only. The two stores
      // repeat (or make) the timestamp's publication; the detached list goes to the picker.
      timestamp = t;
      state = terminal;
      if (s != null && s != Node.ENABLED) {
        @Nullable Object[] orphan = {null, Orphans.LIST, this, s}; // see Orphans
        synchronized (Orphans.LOCK) {
          orphan[0] = Orphans.head;
          Orphans.head = orphan;
        }
        try {
          Orphans.wake();
        } catch (Throwable ignored) {
          // the picker looks within its park slice anyway
        }
      }
      throw e;
    }
  }

  /**
   * Wakes the waiters of the detached list {@code s} (before any callback runs) and links its
   * callbacks for firing: urgent ones first, then the others, each group oldest first.
   */
  @SuppressWarnings("NullAway") // urgentTail is set whenever urgent is
  static Node.Listener wakeAndOrder(Node s) {
    Node.Listener urgent = null;
    Node.Listener urgentTail = null;
    Node.Listener normal = null;
    // ENABLED is always the bottom entry: nothing below it to look at.
    for (Node n = s; n != null && n != Node.ENABLED; n = n.next) {
      if (n instanceof Node.Waiter) {
        LockSupport.unpark(((Node.Waiter) n).thread);
      } else if (n instanceof Node.Listener) {
        Node.Listener l = (Node.Listener) n;
        if (l.isUrgent()) {
          l.fifoNext = urgent;
          if (urgent == null) {
            urgentTail = l;
          }
          urgent = l;
        } else {
          l.fifoNext = normal;
          normal = l;
        }
      }
    }
    if (urgent == null) {
      return normal == null ? NO_LISTENERS : normal;
    }
    urgentTail.fifoNext = normal;
    return urgent;
  }

  /** The outcome of signaling pending list {@code s} without an explicit error. */
  private static Object pendingOutcome(@Nullable Node s) {
    for (Node n = s; n != null && n != Node.ENABLED; n = n.next) { // ENABLED is the bottom
      if (n instanceof Node.ErrorNode) {
        return ((Node.ErrorNode) n).error;
      }
    }
    return SIGNALED;
  }

  private boolean signal0(@Nullable Object outcome, long timestampNanos, boolean readClock) {
    Object s = state;
    if (s instanceof Node && s != Node.ENABLED) {
      return Dispatcher.signal(this, s, outcome, timestampNanos, readClock);
    }
    Node.Listener r = publishSignal(s, outcome, timestampNanos, readClock, false);
    return r == NO_LISTENERS
        || (r == LISTENERS_ADDED
            && Dispatcher.signal(this, state, outcome, timestampNanos, readClock));
  }

  /**
   * Marks "signaled, nothing to fire" (returned by {@link #wakeAndOrder}); never linked into a
   * list.
   */
  static final Node.Listener NO_LISTENERS = marker();

  /**
   * Returned by {@code publishSignal(..., false)}: the state gained entries (listeners, waiters or
   * an error) and nothing was claimed; never linked into a list.
   */
  static final Node.Listener LISTENERS_ADDED = marker();

  /** A listener that is only ever compared by identity. */
  private static Node.Listener marker() {
    return new Node.Listener(null) {
      @Override
      Object key() {
        return this;
      }

      @Override
      void fire(Fence fence) {}

      @Override
      Node copyWithNext(@Nullable Node next) {
        throw new AssertionError();
      }
    };
  }

  /** Whether {@code s} is a terminal (signaled) state: neither null nor a pending list. */
  private static boolean isTerminal(@Nullable Object s) {
    return s != null && !(s instanceof Node);
  }

  /** The error of terminal state {@code s}, or null. */
  @SuppressWarnings("NullAway") // callers pass the state of a signaled fence: terminal, not null
  private static @Nullable FenceError errorOf(@Nullable Object s) {
    if (s == SIGNALED) {
      return null;
    }
    return s instanceof FenceError ? (FenceError) s : ((Failure) s).error;
  }

  /** The cause of terminal state {@code s}, or null. */
  private static @Nullable Throwable causeOf(@Nullable Object s) {
    return s instanceof Failure ? ((Failure) s).cause : null;
  }

  // ---------------------------------------------------------------------------------------------
  // State

  /**
   * Returns whether the fence is signaled. If the flag is not set yet, asks {@link
   * #peekSignaled()}; when that says yes, signals the fence (running its callbacks) and returns
   * {@code true}. Does not enable signaling. On a signaled fence this is one volatile read.
   *
   * @return {@code true} once the fence is signaled (with or without an error)
   */
  public final boolean isSignaled() {
    Object s = state;
    if (s == SIGNALED || isTerminal(s)) {
      return true;
    }
    if (peekSignaled()) {
      signal();
      return true;
    }
    return false;
  }

  /** The signaled flag alone: no peek, no side effect. */
  final boolean isSignaledFlag() {
    return isTerminal(state);
  }

  /**
   * The signaled flag read with plain semantics: no ordering, so a scan over many fences lets the
   * compiler keep the list's own fields in registers. A terminal state is final once set, so a
   * {@code true} is never wrong; a caller that acts on it must then read {@link #isSignaledFlag()}
   * (acquire) to see what the signaling thread wrote before.
   */
  final boolean isSignaledFlagPlain() {
    return isTerminal(STATE.get(this));
  }

  /**
   * Returns the status: 0 while pending, 1 if signaled without error, the error's negative code
   * otherwise. Like {@link #isSignaled()}, consults {@link #peekSignaled()}.
   *
   * @return 0, 1, or a negative error code
   */
  public final int status() {
    if (!isSignaled()) {
      return 0;
    }
    FenceError e = errorOf(state);
    return e == null ? 1 : e.code();
  }

  /**
   * Returns the error the fence signaled with.
   *
   * @return the error once the fence is signaled with one; empty while pending or if it signaled
   *     without error
   */
  public final Optional<FenceError> error() {
    return isSignaled() ? Optional.ofNullable(errorOf(state)) : Optional.empty();
  }

  /**
   * Returns the throwable that caused the fence's failure, as given to {@link #signal(FenceError,
   * Throwable)} (or the exception of a failed {@link #onEnableSignaling()} hook, or of the future a
   * {@link Fences#fromFuture fromFuture} fence follows).
   *
   * @return the cause once the fence is signaled with one; empty while pending, on success, or for
   *     an error without a cause
   */
  public final Optional<Throwable> cause() {
    return isSignaled() ? Optional.ofNullable(causeOf(state)) : Optional.empty();
  }

  /**
   * Returns the signal time on the {@link System#nanoTime()} clock.
   *
   * @return the time the fence signaled
   * @throws IllegalStateException if the fence is still pending
   */
  public final long timestampNanos() {
    if (!isSignaled()) {
      throw new IllegalStateException("no timestamp while pending: " + describe());
    }
    long t;
    // The winner stores the timestamp right after its CAS (see the overview): at most one store.
    while ((t = (long) TIMESTAMP.getAcquire(this)) == NO_TIMESTAMP) {
      Thread.onSpinWait();
    }
    return t;
  }

  // ---------------------------------------------------------------------------------------------
  // Consumer side

  /**
   * Registers {@code cb} to run once, inline in the signaling thread (or on a relay thread, when a
   * callback ahead of it blocks in a fence4j wait), when the fence signals. Enables signaling. The
   * same instance may be registered more than once (on one fence or several); each registration
   * runs once.
   *
   * @param cb the callback
   * @return {@code true} if registered; {@code false} if the fence is already signaled, and then
   *     {@code cb} is <em>not</em> run: the caller handles that case
   * @throws NullPointerException if {@code cb} is null
   * @throws RuntimeException what a throwing {@link #onEnableSignaling()} hook threw, if this call
   *     triggered it (the fence is then failed; see {@link #enableSignaling()})
   */
  public final boolean addCallback(FenceCallback cb) {
    Objects.requireNonNull(cb, "cb");
    return addListener(new Node.CallbackNode(cb, null));
  }

  /**
   * Registers {@code cb} to run once on {@code executor} when the fence signals. Enables signaling.
   * If the executor rejects the task, the rejection is reported like a callback exception.
   *
   * @param cb the callback
   * @param executor where to run it
   * @return {@code true} if registered; {@code false} if the fence is already signaled (then {@code
   *     cb} is not run)
   * @throws NullPointerException if an argument is null
   */
  public final boolean addCallback(FenceCallback cb, Executor executor) {
    Objects.requireNonNull(cb, "cb");
    Objects.requireNonNull(executor, "executor");
    return addListener(new Node.ExecutorCallbackNode(cb, executor, this, null));
  }

  /**
   * Registers a callback of the library's own (a wake-up: {@code waitAny}, an array's count, a
   * chain's re-arm) that runs before every ordinary callback of the fence and of the cascade it
   * starts; it must be short and must not block. Removed with {@link #removeCallback}.
   */
  final boolean addUrgentCallback(FenceCallback cb) {
    return addListener(new Node.UrgentCallbackNode(cb, null));
  }

  /**
   * Removes one registration of {@code cb} (the most recent) while the fence is pending.
   *
   * <p>Once the fence is signaled its registrations can no longer be removed: the signal claimed
   * them all at once, and each will run exactly once. So {@code false} after the signal does not
   * mean the callback has run: inside a cascade, or while an earlier callback of the same signal is
   * still running, it may be queued and not have started yet; it still runs.
   *
   * @param cb the callback
   * @return {@code true} if a registration was still pending and is now removed (it will never
   *     run); {@code false} if the fence is signaled (the callback has run, is running, or is
   *     queued to run) or {@code cb} was not registered
   * @throws NullPointerException if {@code cb} is null
   */
  public final boolean removeCallback(FenceCallback cb) {
    Objects.requireNonNull(cb, "cb");
    return removeKey(cb);
  }

  /**
   * Enables signaling: calls {@link #onEnableSignaling()} at most once in the fence's life; the
   * first {@code addCallback}, {@code await} or {@code enableSignaling} does it. If the hook
   * returns {@code false}, the fence is signaled. Does nothing once the fence is signaled.
   *
   * <p>If the hook throws, the fence fails: it is first signaled with {@link FenceError#EIO} and
   * the exception as its {@link #cause()} (so nothing waits for a signal the hook would have
   * arranged: waiters wake, arrays and chains over it go on), and then the exception propagates to
   * the call that triggered the hook: this method, or the {@code addCallback}, {@code await},
   * {@code awaitSuccess}, {@code waitAny} or {@code waitAll} that enabled signaling. The library's
   * own triggers (an array arming its members, a chain re-arming, {@link #toCompletableFuture()})
   * treat the fence as failed and go on.
   *
   * @throws RuntimeException or {@link Error}: whatever {@link #onEnableSignaling()} threw, after
   *     the fence was signaled with {@code EIO}
   */
  public final void enableSignaling() {
    for (; ; ) {
      Object s = state;
      if (isTerminal(s) || isEnabled((Node) s)) {
        return;
      }
      if (casState(s, withEnabledBottom((Node) s))) {
        break;
      }
    }
    boolean later;
    try {
      later = onEnableSignaling();
    } catch (Throwable t) {
      // The hook will never be called again, so nothing could ever signal the fence for it: fail
      // the fence now (waiters wake, arrays and chains over it go on), then tell the caller.
      signal(FenceError.EIO, t);
      throw t;
    }
    if (!later) {
      signal();
    }
  }

  /**
   * Waits until the fence is signaled (with or without an error). Enables signaling.
   *
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   */
  public final void await() throws InterruptedException {
    awaitNanos(0L, true, true);
  }

  /**
   * Waits until the fence is signaled or the timeout elapses. Enables signaling.
   *
   * @param timeout how long to wait; zero polls
   * @return {@code true} if the fence is signaled (with or without an error), {@code false} on
   *     timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code timeout} is null
   */
  public final boolean await(Duration timeout) throws InterruptedException {
    return awaitNanos(Timeouts.toNanos(timeout), false, true);
  }

  /**
   * Waits until the fence is signaled or the timeout elapses. Enables signaling.
   *
   * @param timeout how long to wait, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @return {@code true} if the fence is signaled, {@code false} on timeout
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code unit} is null
   */
  public final boolean await(long timeout, TimeUnit unit) throws InterruptedException {
    return awaitNanos(Timeouts.toNanos(timeout, unit), false, true);
  }

  /**
   * Waits until the fence is signaled or the timeout elapses, through interrupts; if the thread was
   * interrupted, its interrupt flag is set again on return. Enables signaling.
   *
   * @param timeout how long to wait; zero polls
   * @return {@code true} if the fence is signaled, {@code false} on timeout
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code timeout} is null
   */
  public final boolean awaitUninterruptibly(Duration timeout) {
    try {
      return awaitNanos(Timeouts.toNanos(timeout), false, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible wait was interrupted", e);
    }
  }

  /**
   * Waits until the fence is signaled, through interrupts; if the thread was interrupted, its
   * interrupt flag is set again on return. Enables signaling.
   */
  public final void awaitUninterruptibly() {
    try {
      awaitNanos(0L, true, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible wait was interrupted", e);
    }
  }

  /**
   * Waits until the fence is signaled and returns normally if it signaled without error: the
   * throwing wait. Enables signaling.
   *
   * @param timeout how long to wait; zero polls
   * @throws FenceErrorException if the fence signaled with an error; it carries the error and the
   *     {@link #cause()}, if any
   * @throws TimeoutException if the fence is still pending when the timeout elapses
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code timeout} is null
   */
  public final void awaitSuccess(Duration timeout) throws InterruptedException, TimeoutException {
    awaitSuccessNanos(Timeouts.toNanos(timeout));
  }

  /**
   * Waits until the fence is signaled and returns normally if it signaled without error; see {@link
   * #awaitSuccess(Duration)}.
   *
   * @param timeout how long to wait, in {@code unit}; zero polls
   * @param unit the unit of {@code timeout}
   * @throws FenceErrorException if the fence signaled with an error (with its cause, if any)
   * @throws TimeoutException if the fence is still pending when the timeout elapses
   * @throws InterruptedException if the thread is interrupted on entry or while waiting
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws NullPointerException if {@code unit} is null
   */
  public final void awaitSuccess(long timeout, TimeUnit unit)
      throws InterruptedException, TimeoutException {
    awaitSuccessNanos(Timeouts.toNanos(timeout, unit));
  }

  private void awaitSuccessNanos(long nanos) throws InterruptedException, TimeoutException {
    if (!awaitNanos(nanos, false, true)) {
      throw new TimeoutException(
          "fence " + safeDescribe() + " not signaled within " + Duration.ofNanos(nanos));
    }
    Object s = state;
    FenceError e = errorOf(s);
    if (e != null) {
      throw failure(e, causeOf(s));
    }
  }

  /** The exception reporting this fence's failure; never throws, whatever describe() does. */
  private FenceErrorException failure(FenceError e, @Nullable Throwable cause) {
    return new FenceErrorException(
        e, "fence " + safeDescribe() + " signaled with error " + e, cause);
  }

  /** {@link #describe()}, or the bare identity when a subclass's describe (or names) throws. */
  private String safeDescribe() {
    try {
      return describe();
    } catch (Throwable t) {
      return context + ":" + seqno;
    }
  }

  private boolean awaitNanos(long nanos, boolean forever, boolean interruptible)
      throws InterruptedException {
    return awaitNanos(nanos, forever, interruptible, true);
  }

  /**
   * The wait behind every await. With {@code diagnose}, a wait that blocks goes through {@link
   * Diagnostics#beforeWait} / {@link Diagnostics#afterWait} (signaling-path check, waiter
   * registration, JFR event); callers that bracket several fences in one wait pass {@code false}.
   */
  final boolean awaitNanos(long nanos, boolean forever, boolean interruptible, boolean diagnose)
      throws InterruptedException {
    if (interruptible && Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (isSignaled()) {
      return true;
    }
    enableSignaling();
    if (isSignaled()) {
      return true;
    }
    if (!forever && nanos == 0L) {
      return false;
    }
    Diagnostics.Wait diagnosis =
        diagnose ? Diagnostics.beforeWait(this, forever ? Long.MAX_VALUE : nanos) : null;
    boolean timedOut = false;
    try {
      Thread me = Thread.currentThread();
      if (!addListener(new Node.Waiter(me, null))) {
        return true;
      }
      long deadline = forever ? 0L : System.nanoTime() + nanos;
      boolean interrupted = false;
      try {
        Dispatcher.beforePark(); // callbacks queued behind a waiting callback go on elsewhere
        while (!isTerminal(state)) {
          long slice = PARK_SLICE_NANOS;
          if (!forever) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0L) {
              timedOut = true;
              return false;
            }
            slice = Math.min(slice, remaining);
          }
          LockSupport.parkNanos(this, slice);
          if (Thread.interrupted()) {
            if (interruptible) {
              throw new InterruptedException();
            }
            interrupted = true;
          }
        }
        return true;
      } finally {
        if (!isTerminal(state)) {
          removeKey(me);
        }
        if (interrupted) {
          me.interrupt();
        }
      }
    } finally {
      Diagnostics.afterWait(diagnosis, timedOut);
    }
  }

  /**
   * Tells the producer that a waiter needs the fence signaled by {@code deadlineNanos}. A hint
   * only: forwarded to {@link #onDeadline(long)}; ignored once the fence is signaled.
   *
   * @param deadlineNanos the deadline on the {@link System#nanoTime()} clock; a time in the past
   *     means "as soon as possible"
   */
  public final void setDeadline(long deadlineNanos) {
    if (!isTerminal(state)) {
      onDeadline(deadlineNanos);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Ordering

  /**
   * Returns whether this fence comes after {@code other} on their common timeline.
   *
   * @param other a fence of the same context
   * @return {@code true} if this fence's seqno is greater
   * @throws IllegalArgumentException if the contexts differ (seqnos of different timelines are not
   *     comparable)
   * @throws NullPointerException if {@code other} is null
   */
  public final boolean isLaterThan(Fence other) {
    Objects.requireNonNull(other, "other");
    requireSameContext(this, other);
    return seqno > other.seqno;
  }

  /**
   * Returns the later of two fences of one context, or {@code null} if that one is already signaled
   * (then both are done). With equal seqnos, {@code b} counts as the later.
   *
   * @param a a fence
   * @param b a fence of the same context
   * @return the later fence, or {@code null} if it is signaled
   * @throws IllegalArgumentException if the contexts differ
   * @throws NullPointerException if an argument is null
   */
  public static @Nullable Fence later(Fence a, Fence b) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    requireSameContext(a, b);
    Fence later = a.seqno > b.seqno ? a : b;
    return later.isSignaled() ? null : later;
  }

  private static void requireSameContext(Fence a, Fence b) {
    if (a.context != b.context) {
      throw new IllegalArgumentException(
          "fences of different contexts are not ordered: " + a.describe() + " vs " + b.describe());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Adapters and debugging

  /**
   * Returns a future that completes with this fence when it signals without error, or exceptionally
   * with a {@link FenceErrorException} (with the error and the {@link #cause()}) when it signals
   * with one. Completing the future by other means ({@code cancel}, {@code complete}, {@code
   * orTimeout}, ...) does not touch the fence; it only drops the future's registration from it.
   * Never throws, even when {@link #describe()} does.
   *
   * @return a new future
   */
  public final CompletableFuture<Fence> toCompletableFuture() {
    CompletableFuture<Fence> future = new CompletableFuture<>();
    FenceCallback complete = f -> completeFuture(future);
    boolean added;
    try {
      added = addCallback(complete);
    } catch (Throwable t) {
      if (!isTerminal(state)) {
        throw t;
      }
      added = false; // the enable hook threw and failed the fence: the future reports it (cause)
    }
    if (added) {
      // However the future completes (this fence, complete, obtrudeValue, orTimeout, cancel),
      // drop the registration: a future completed by other means must not stay on the fence.
      CompletableFuture<Fence> unused = future.whenComplete((r, t) -> removeCallback(complete));
    } else {
      completeFuture(future);
    }
    return future;
  }

  private void completeFuture(CompletableFuture<Fence> future) {
    Object s = state;
    FenceError e = errorOf(s);
    if (e == null) {
      future.complete(this);
    } else {
      future.completeExceptionally(failure(e, causeOf(s)));
    }
  }

  /**
   * Returns one debug line: {@code "<context>:<seqno> <timeline> <driver> <state>"}, where state is
   * {@code unsignaled}, {@code signaled}, or {@code signaled error=NAME(code)}. Like {@link
   * #isSignaled()}, consults {@link #peekSignaled()} first.
   *
   * @return the description
   */
  public String describe() {
    StringBuilder sb =
        new StringBuilder()
            .append(context)
            .append(':')
            .append(seqno)
            .append(' ')
            .append(timelineName())
            .append(' ')
            .append(driverName())
            .append(' ');
    // For a diagnosis dump (an override calling super.describe()), read the flag only: a dump must
    // never signal a fence through its peek hook.
    if (Diagnostics.isDescribing() ? isSignaledFlag() : isSignaled()) {
      sb.append("signaled");
      FenceError e = errorOf(state);
      if (e != null) {
        sb.append(" error=").append(e);
      }
    } else {
      sb.append("unsignaled");
    }
    return sb.toString();
  }

  /** Returns {@link #describe()}. */
  @Override
  public String toString() {
    return describe();
  }

  /**
   * Sets where exceptions thrown by callbacks (and executor rejections) go.
   *
   * @param handler the handler, or {@code null} for the default: {@link
   *     Thread#getDefaultUncaughtExceptionHandler()}, or standard error if there is none
   */
  public static void setCallbackExceptionHandler(
      Thread.@Nullable UncaughtExceptionHandler handler) {
    Dispatcher.handler = handler;
  }

  // ---------------------------------------------------------------------------------------------
  // Stubs

  /**
   * Returns an already signaled fence (context 0, seqno 0), one shared instance.
   *
   * @return the stub fence
   */
  public static Fence stub() {
    return StubFence.SHARED;
  }

  /**
   * Returns a new fence, already signaled (context 0, seqno 0), stamped with {@code
   * timestampNanos}.
   *
   * @param timestampNanos its signal time on the {@link System#nanoTime()} clock
   * @return a new signaled fence
   */
  public static Fence signaledStub(long timestampNanos) {
    return new StubFence(timestampNanos);
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks

  /**
   * Called at most once, when signaling is first enabled (first callback, wait, or {@link
   * #enableSignaling()}), outside any fence4j lock. A driver that signals only on request starts
   * watching for completion here.
   *
   * @return {@code true} if the fence will be signaled later; {@code false} if the work is already
   *     done, and then fence4j signals the fence (the hook may {@link #setError} first)
   */
  protected boolean onEnableSignaling() {
    return true;
  }

  /**
   * A fast check whether the work is done, used by {@link #isSignaled()} and {@link #status()}
   * while the signaled flag is not set. Once it returns {@code true} it must keep doing so. It may
   * return {@code false} even though the work is done.
   *
   * @return {@code true} if the work is known to be done
   */
  protected boolean peekSignaled() {
    return false;
  }

  /**
   * Receives a deadline hint from {@link #setDeadline(long)}; may be called many times, from any
   * thread, concurrently. The default ignores it.
   *
   * @param deadlineNanos the deadline on the {@link System#nanoTime()} clock
   */
  protected void onDeadline(long deadlineNanos) {}

  // ---------------------------------------------------------------------------------------------
  // List mechanics

  /**
   * Registers a listener (callback or waiter), enabling signaling first. For fence4j's own plain
   * fences, whose enable hook does nothing, one CAS on a fresh fence both enables signaling
   * (ENABLED under the node) and registers. Other fences enable first (running their hook) and then
   * register, so a hook that signals the fence makes this return false, as in the kernel.
   */
  private boolean addListener(Node.Listener node) {
    if (!StallMonitor.started) {
      StallMonitor.startQuietly(); // before anything is registered: the orphans' picker
    }
    for (; ; ) {
      Object s = state;
      if (isTerminal(s)) {
        return false;
      }
      if (s == null && hasTrivialEnableHook()) {
        node.next = Node.ENABLED; // enabled and registered in one CAS; the hook has nothing to do
        if (casState(null, node)) {
          return true;
        }
        continue;
      }
      if (!isEnabled((Node) s)) {
        enableSignaling(); // first enable (hook first, as in the kernel), then register
        continue;
      }
      node.next = (Node) s;
      if (casState(s, node)) {
        return true;
      }
    }
  }

  /**
   * Whether {@link #onEnableSignaling()} is the default (returns {@code true}, does nothing), so
   * enabling and registering may be one CAS. Overridden by fence4j's plain fences only.
   */
  boolean hasTrivialEnableHook() {
    return false;
  }

  /** Removes the newest listener with {@code key}; false if signaled or not found. */
  private boolean removeKey(Object key) {
    for (; ; ) {
      Object s = state;
      if (s == null || isTerminal(s)) {
        return false;
      }
      Node updated = without((Node) s, key);
      if (updated == NOT_FOUND) {
        return false;
      }
      if (casState(s, updated)) {
        return true;
      }
    }
  }

  /** A copy of {@code list} without its newest listener keyed {@code key}, or NOT_FOUND. */
  private static @Nullable Node without(Node list, Object key) {
    Node n = list;
    int depth = 0;
    while (n != null && !(n instanceof Node.Listener && ((Node.Listener) n).key() == key)) {
      n = n.next;
      depth++;
    }
    if (n == null) {
      return NOT_FOUND;
    }
    return copyPrefix(list, depth, n.next);
  }

  /** Copies the first {@code count} nodes of {@code list} on top of {@code tail}. */
  @SuppressWarnings("NullAway") // list has at least count nodes
  private static @Nullable Node copyPrefix(@Nullable Node list, int count, @Nullable Node tail) {
    if (count == 0) {
      return tail;
    }
    Node[] prefix = new Node[count];
    Node n = list;
    for (int i = 0; i < count; i++) {
      prefix[i] = n;
      n = n.next;
    }
    Node result = tail;
    for (int i = count - 1; i >= 0; i--) {
      result = prefix[i].copyWithNext(result);
    }
    return result;
  }

  /** Whether signaling was enabled in pending list {@code s}: any entry below the errors. */
  private static boolean isEnabled(@Nullable Node s) {
    Node n = s;
    while (n instanceof Node.ErrorNode) {
      n = n.next;
    }
    return n != null;
  }

  /** {@code s} without its error entry (there is at most one), sharing what lies below it. */
  private static @Nullable Node withoutError(@Nullable Node s) {
    int depth = 0;
    for (Node n = s; n != null; n = n.next, depth++) {
      if (n instanceof Node.ErrorNode) {
        return copyPrefix(s, depth, n.next);
      }
    }
    return s;
  }

  /** {@code s} (null or error entries only) with ENABLED at the bottom. */
  @SuppressWarnings("NullAway") // a copy on top of ENABLED is never null
  private static Node withEnabledBottom(@Nullable Node s) {
    if (s == null) {
      return Node.ENABLED;
    }
    int count = 0;
    for (Node n = s; n != null; n = n.next) {
      count++;
    }
    return copyPrefix(s, count, Node.ENABLED);
  }

  private boolean casState(@Nullable Object expected, @Nullable Object updated) {
    return STATE.compareAndSet(this, expected, updated);
  }

  // VarHandle mechanics
  private static final VarHandle STATE;
  private static final VarHandle TIMESTAMP;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(Fence.class, "state", Object.class);
      TIMESTAMP = lookup.findVarHandle(Fence.class, "timestamp", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    Diagnostics.setAccess(new DebugAccess());
    // Load and initialize now, at a normal stack depth, every class the signal path uses later. A
    // class first initialized by a signal made near the stack limit (StackOverflowError inside its
    // initializer) would be unusable for the rest of the JVM's life (NoClassDefFoundError).
    Dispatcher.preload();
    preload();
  }

  @SuppressWarnings("ReturnValueIgnored") // loading the classes is the point
  private static void preload() {
    Node.ENABLED.getClass();
    Failure.class.getName();
  }
}
