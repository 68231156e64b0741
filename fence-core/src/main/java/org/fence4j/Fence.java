package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.internal.Diagnostics;
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
 * the fence is visibly signaled, in registration order, exactly once, and never while fence4j holds
 * a lock; a callback may add or remove callbacks, signal other fences, or release what it guards.
 * Signals that cascade through callbacks do not grow the stack: the outermost {@code signal()} runs
 * them iteratively, and when it returns every inline callback registered before it has run.
 * Blocking waits park with {@link LockSupport}; no monitors are used, so waiting virtual threads do
 * not pin their carrier.
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
   *                   Listener (CallbackNode, ExecutorCallbackNode, Waiter): run/woken at signal
   *                   ErrorNode: an error given to setError (the newest one wins)
   *                   ENABLED: bottom marker, present once signaling was enabled
   *   SIGNALING ... a signal() won the race and is publishing `error` and `timestamp`
   *   SIGNALED .... signaled (terminal)
   *
   *   null/list --(CAS by the one winning signal)--> SIGNALING --(release store)--> SIGNALED
   *
   * Linearization of signal(): the release store of SIGNALED. The CAS to SIGNALING detaches the
   * whole list, so each listener is claimed exactly once, by the winner. Between the CAS and the
   * store the winner finds the newest pending error (a read-only walk that stops at the first
   * ErrorNode; the whole list only when no error was set) and writes the plain fields `error` and
   * `timestamp`; the release store publishes them, and every reader that sees SIGNALED with a
   * volatile (acquire) read sees them. Threads that meet SIGNALING (a losing signal, addCallback,
   * setError, removeCallback) spin until SIGNALED (onSpinWait, then yield) before they answer, so
   * their answer agrees with isSignaled(); that window is the one place that is not lock-free.
   * The listeners are relinked in registration order only after the store, by the winner, which
   * owns the detached list.
   *
   * Pending lists are immutable once published: push is a CAS of a new head; removal CASes in a
   * copy of the nodes above the removed entry, sharing the rest. A CallbackNode is only ever pushed
   * after signaling was enabled, so "enabled" is: the list holds any non-error entry (a listener
   * or ENABLED under the error entries). enableSignaling claims the hook call with one CAS that
   * adds ENABLED at the bottom, so onEnableSignaling() runs at most once.
   *
   * After publishing SIGNALED the winner wakes every Waiter, then hands the callbacks in
   * registration order (linked through fifoNext, which only the winner touches) to the per-thread
   * Dispatcher, which trampolines nested signals so cascades use constant stack. For fence4j's
   * plain fences (no enable hook) the first addCallback enables and registers in one CAS.
   *
   * Signal with no callbacks allocates nothing: one CAS, one clock read, two plain stores and a
   * release store. isSignaled() on a signaled fence is one volatile read and a reference compare.
   */

  /** Terminal state. */
  private static final Object SIGNALED = new Object();

  /** Transient state while the winning signal publishes error and timestamp. */
  private static final Object SIGNALING = new Object();

  /** Returned by {@link #without} when the key is not in the list. */
  private static final Node NOT_FOUND = Node.marker("NOT_FOUND");

  private final long context;
  private final long seqno;

  /** Signal time; written by the winning signal before the release store of SIGNALED. */
  private long timestamp;

  /** Signal error or null; written by the winning signal before the release store of SIGNALED. */
  private @Nullable FenceError error;

  /** See the overview. */
  private volatile @Nullable Object state;

  /**
   * Creates a pending fence.
   *
   * @param context the context (timeline) id, normally from {@link FenceContexts#allocate(int)}
   * @param seqno the sequence number within the context; fences of one context signal in seqno
   *     order
   */
  protected Fence(long context, long seqno) {
    this.context = context;
    this.seqno = seqno;
    if (Diagnostics.isTracking()) { // one static volatile read while tracking is off
      Diagnostics.track(this); // reads nothing of this fence: subclass fields are not set yet
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
    return signal0(null, 0L, true);
  }

  /**
   * Signals the fence with an explicit timestamp and runs its callbacks.
   *
   * @param timestampNanos the signal time on the {@link System#nanoTime()} clock
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
   * Records an error to signal with later. The error shows ({@link #error()}, {@link #status()})
   * only once the fence is signaled; a later {@code setError} replaces it.
   *
   * @param error the error
   * @throws NullPointerException if {@code error} is null
   * @throws IllegalStateException if the fence is already signaled (nothing is changed)
   */
  public final void setError(FenceError error) {
    Objects.requireNonNull(error, "error");
    for (; ; ) {
      Object s = state;
      if (s == SIGNALING) {
        awaitPublication(); // so that isSignaled() agrees with the exception
      }
      if (s == SIGNALED || s == SIGNALING) {
        throw new IllegalStateException("setError after signal: " + describe());
      }
      if (casState(s, new Node.ErrorNode(error, (Node) s))) {
        return;
      }
    }
  }

  /**
   * Transitions to signaled, wakes the waiters, and returns the callbacks to fire, or {@code null}
   * if the fence was already signaled. Runs no callback, so callers holding a lock can fire after
   * unlocking.
   */
  final Node.@Nullable Listener publishSignal(
      @Nullable FenceError explicit, long timestampNanos, boolean readClock) {
    Object s;
    for (; ; ) {
      s = state;
      if (s == SIGNALED) {
        return null;
      }
      if (s == SIGNALING) {
        awaitPublication();
        return null;
      }
      if (casState(s, SIGNALING)) {
        break;
      }
    }
    FenceError e = explicit;
    if (e == null && s != null && s != Node.ENABLED) {
      for (Node n = (Node) s; n != null; n = n.next) { // the newest error wins
        if (n instanceof Node.ErrorNode) {
          e = ((Node.ErrorNode) n).error;
          break;
        }
      }
    }
    this.error = e;
    this.timestamp = readClock ? System.nanoTime() : timestampNanos;
    STATE.setRelease(this, SIGNALED);
    if (s == null || s == Node.ENABLED) {
      return NO_LISTENERS;
    }
    // The detached list is ours alone now: wake the waiters (before any callback runs) and relink
    // the callbacks oldest first.
    Node.Listener fifo = NO_LISTENERS;
    for (Node n = (Node) s; n != null; n = n.next) {
      if (n instanceof Node.Waiter) {
        LockSupport.unpark(((Node.Waiter) n).thread);
      } else if (n instanceof Node.Listener) {
        Node.Listener l = (Node.Listener) n;
        l.fifoNext = fifo == NO_LISTENERS ? null : fifo;
        fifo = l;
      }
    }
    return fifo;
  }

  /** Runs the callbacks returned by {@link #publishSignal} (see Dispatcher). */
  final void fire(Node.Listener first) {
    if (first != NO_LISTENERS) {
      Dispatcher.dispatch(this, first);
    }
  }

  private boolean signal0(@Nullable FenceError explicit, long timestampNanos, boolean readClock) {
    Node.Listener fifo = publishSignal(explicit, timestampNanos, readClock);
    if (fifo == null) {
      return false;
    }
    fire(fifo);
    return true;
  }

  /** Marks "signaled, nothing to fire"; never linked into a list. */
  private static final Node.Listener NO_LISTENERS =
      new Node.Listener(null) {
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

  /** Spins until a racing signal has published its error and timestamp. */
  private void awaitPublication() {
    for (int spins = 0; state != SIGNALED; spins++) {
      if (spins < 100) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
    }
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
    if (s == SIGNALED) {
      return true;
    }
    if (s != SIGNALING && peekSignaled()) {
      signal();
      awaitPublication();
      return true;
    }
    return false;
  }

  /** The signaled flag alone: no peek, no side effect. */
  final boolean isSignaledFlag() {
    return state == SIGNALED;
  }

  /**
   * The signaled flag read with plain semantics: no ordering, so a scan over many fences lets the
   * compiler keep the list's own fields in registers. {@code SIGNALED} is final once set, so a
   * {@code true} is never wrong; a caller that acts on it must then read {@link #isSignaledFlag()}
   * (acquire) to see what the signaling thread wrote before.
   */
  final boolean isSignaledFlagPlain() {
    return STATE.get(this) == SIGNALED;
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
    FenceError e = error;
    return e == null ? 1 : e.code();
  }

  /**
   * Returns the error the fence signaled with.
   *
   * @return the error once the fence is signaled with one; empty while pending or if it signaled
   *     without error
   */
  public final Optional<FenceError> error() {
    return isSignaled() ? Optional.ofNullable(error) : Optional.empty();
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
    return timestamp;
  }

  // ---------------------------------------------------------------------------------------------
  // Consumer side

  /**
   * Registers {@code cb} to run once, inline in the signaling thread, when the fence signals.
   * Enables signaling. The same instance may be registered more than once (on one fence or
   * several); each registration runs once.
   *
   * @param cb the callback
   * @return {@code true} if registered; {@code false} if the fence is already signaled, and then
   *     {@code cb} is <em>not</em> run: the caller handles that case
   * @throws NullPointerException if {@code cb} is null
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
   * Removes one registration of {@code cb} (the most recent) if it has not run.
   *
   * @param cb the callback
   * @return {@code true} if a registration was still queued and is now removed; {@code false} if
   *     the fence already signaled (the callback ran or is running) or {@code cb} was not
   *     registered
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
   */
  public final void enableSignaling() {
    for (; ; ) {
      Object s = state;
      if (s == SIGNALED || s == SIGNALING || isEnabled((Node) s)) {
        return;
      }
      if (casState(s, withEnabledBottom((Node) s))) {
        break;
      }
    }
    if (!onEnableSignaling()) {
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
    return awaitNanos(Checks.toNanos(timeout), false, true);
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
    return awaitNanos(Checks.toNanos(timeout, unit), false, true);
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
      return awaitNanos(Checks.toNanos(timeout), false, false);
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
        Dispatcher.runQueued(); // a callback waiting on a fence its own cascade signals
        while (state != SIGNALED) {
          if (forever) {
            LockSupport.park(this);
          } else {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0L) {
              timedOut = true;
              return false;
            }
            LockSupport.parkNanos(this, remaining);
          }
          if (Thread.interrupted()) {
            if (interruptible) {
              throw new InterruptedException();
            }
            interrupted = true;
          }
        }
        return true;
      } finally {
        if (state != SIGNALED) {
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
    if (state != SIGNALED) {
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
   * with a {@link FenceErrorException} when it signals with one. Cancelling the future does not
   * touch the fence (it only drops the future's registration).
   *
   * @return a new future
   */
  public final CompletableFuture<Fence> toCompletableFuture() {
    CompletableFuture<Fence> future = new CompletableFuture<>();
    FenceCallback complete =
        f -> {
          FenceError e = f.error;
          if (e == null) {
            future.complete(f);
          } else {
            future.completeExceptionally(new FenceErrorException(e, "fence " + f.describe()));
          }
        };
    if (addCallback(complete)) {
      future.whenComplete(
          (r, t) -> {
            if (future.isCancelled()) {
              removeCallback(complete);
            }
          });
    } else {
      complete.onSignaled(this);
    }
    return future;
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
      FenceError e = error;
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
    for (; ; ) {
      Object s = state;
      if (s == SIGNALED) {
        return false;
      }
      if (s == SIGNALING) {
        awaitPublication();
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
      if (s == SIGNALING) {
        awaitPublication(); // so that isSignaled() agrees with the answer
        return false;
      }
      if (s == SIGNALED || s == null) {
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
  private static @Nullable Node copyPrefix(Node list, int count, @Nullable Node tail) {
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

  /** {@code s} (null or error entries only) with ENABLED at the bottom. */
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

  private boolean casState(@Nullable Object expected, Object updated) {
    return STATE.compareAndSet(this, expected, updated);
  }

  // VarHandle mechanics
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(Fence.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
    Diagnostics.setAccess(new DebugAccess());
  }
}
