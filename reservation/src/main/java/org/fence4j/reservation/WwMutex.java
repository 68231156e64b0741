package org.fence4j.reservation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A wound/wait mutex: a non-reentrant lock that several can be taken in any order, under an {@link
 * WwAcquireContext}, without deadlock. The kernel's {@code ww_mutex}.
 *
 * <p><b>With a context.</b> {@link #lock(WwAcquireContext)} returns {@code true} when it acquired
 * the lock and {@code false} when the context already holds it (the kernel's {@code -EALREADY}: the
 * same buffer named twice). When taking the lock could close a cycle of waiters, it throws {@link
 * WwDeadlockException} instead of waiting; the caller then unlocks everything the context holds,
 * waits for the contended lock with {@link #lockSlow(WwAcquireContext)}, and locks the rest again.
 * Which context backs off depends on the {@link WwClass}: under Wait-Die a younger context dies
 * when it meets an older one (after re-reading the lock a few dozen times at most, while the older
 * holder is running and may release it at once); under Wound-Wait an older context that holds locks
 * wounds the younger holder, which backs off at its next contended lock (an older context holding
 * nothing just waits: it closes no cycle, so it wounds nobody). An older context never backs off
 * for a younger one, and a context that holds no lock never gets the exception, so the oldest
 * transaction always completes.
 *
 * <p><b>Without a context.</b> {@link #lock()}, {@link #tryLock()} and {@link #unlock()} make it a
 * plain mutex. Do not mix context-less and context locking on the mutexes of one class inside one
 * transaction: a context-less waiter never backs off.
 *
 * <p><b>Ownership.</b> The lock belongs to the thread that acquired it; only that thread may unlock
 * it ({@link IllegalStateException} otherwise), and locking a mutex the current thread already
 * holds (other than the {@code -EALREADY} case) throws {@link IllegalStateException} rather than
 * deadlocking. A waiting thread spins briefly, then parks ({@link LockSupport}); no monitor is
 * used, so virtual threads do not pin their carrier.
 *
 * <p><b>Fairness.</b> Waiters queue with context waiters ordered oldest first and context-less
 * waiters in arrival order (the kernel's wait list), and only the first of them competes for the
 * lock when it is released. A thread that arrives while the lock is free may take it ahead of the
 * queued waiters (barging, as the kernel's mutex fast path and optimistic spinning allow); the
 * back-off rules above still hold against such an owner. Once the first waiter has waited about a
 * millisecond, the next unlock hands the lock directly to it (the kernel's hand-off flag), so no
 * waiter, and in particular not the oldest context, is starved by threads that keep re-taking the
 * lock.
 *
 * <p>Memory consistency effects: actions in a thread before {@code unlock()} happen-before actions
 * of the next owner after its lock method returns.
 */
public final class WwMutex {
  /*
   * Overview:
   * State: "owner", one volatile reference: null when free, the WwAcquireContext of a context
   * owner, or the Thread of a context-less owner. The owning thread of a context is the
   * context's (final) thread, so one field tells both who owns the lock and with what context,
   * and a single CAS takes it. Besides, a list of parked waiters and its size "queued"
   * (volatile), both written only under the internal ReentrantLock "guard". The guard is taken
   * only by slow paths (queueing, waking, hand-off), held for a few field updates, and never while
   * parked or while running foreign code.
   *
   * Fast paths (no guard):
   *   lock:   CAS owner null -> token. If "queued" is then non-zero, the new owner takes the guard
   *           once to apply the back-off rules against itself (afterOwnerChange).
   *   unlock: if queued == 0: volatile write owner = null, then re-read queued; if it became
   *           non-zero meanwhile, take the guard and unpark the first waiter.
   *   If the lock is held and nobody is queued, a locker spins a bounded number of times
   *   (Thread.onSpinWait) re-reading owner and re-evaluating the back-off rule against each owner
   *   it sees, before it queues. A context holding locks marks itself waiting while it spins
   *   (WwAcquireContext.setWaiting), as it does while parked.
   *
   * Slow path: a waiter enqueues (publishing queued), re-reads owner, and if it is the first
   * waiter and the lock is free, takes it by CAS and dequeues itself. Otherwise the first waiter
   * spins (bounded, outside the guard) until it sees the lock free and then competes again, and
   * parks if it does not; any other waiter parks at once. After every wake-up (spurious or not)
   * or spin it re-evaluates everything under the guard. An unlock that
   * sees queued != 0 takes the guard and either releases (owner = null) and unparks the first
   * waiter, which then competes with any barging thread, or, once the first waiter has been
   * queued for HANDOFF_NANOS, hands the lock over directly (owner = its token, granted = true,
   * unpark). Waiter.signalled spares redundant unparks: a release sets it when it unparks the
   * first waiter, the waiter clears it when it next checks (under guard), and a release that finds
   * it set skips the unpark, since that pending check comes after this release and sees it.
   *
   * No lost wake-up (Dekker on two volatile fields, as AQS's "set status, re-check, park"): the
   * waiter writes queued then reads owner; the releaser writes owner then reads queued. At least
   * one of them sees the other: either the releaser unparks the first waiter (under the guard,
   * so after the waiter has queued; a permit given before park() makes park() return at once),
   * or the first waiter sees the lock free and takes it itself. Whenever the first waiter changes
   * (a waiter queues ahead of it, or it leaves by dying or by an interrupt), the new first waiter
   * re-checks too: the one queuing ahead checks for itself, and leave() unparks the next one.
   * The owner that CASes the lock reads queued afterwards, and a waiter reads owner after
   * publishing queued, so either the new owner or the waiter applies the back-off rule between
   * them.
   *
   * Memory ordering: releasing writes owner with a volatile write (null or the next token) and
   * acquiring reads it with the CAS (or, after a direct hand-off, reads "granted" under the
   * guard that the releaser held while writing owner), so everything before unlock()
   * happens-before everything after the next lock. The release must be a full volatile write,
   * not a release store: the Dekker pairs above (and ReservationObject's unlock hook, which reads
   * a flag after the release) rely on its store-load ordering.
   *
   * Invariants (under guard):
   *   - queued == waiters.size().
   *   - waiters with a context are sorted by stamp (oldest first); a context-less waiter is
   *     appended. Hence every context waiter ahead of a given context waiter is older.
   *   - Only the first waiter takes the lock out of the queue, so queued waiters are served in
   *     queue order; only threads not yet queued can barge.
   *   - Once the first waiter has been queued for HANDOFF_NANOS, an unlock never frees the lock
   *     but hands it to that waiter, so barging cannot delay it any further. Waiter.granted is
   *     set only by that hand-off, and a granted waiter is no longer in the list.
   *
   * Back-off rule (checked by the locking thread when it first meets a held lock, against every
   * owner it sees while spinning, and under guard before parking and after every wake-up):
   *   Wait-Die:   a context with acquired > 0 dies if the owner is older, or if any context waiter
   *               is queued ahead of it (it is older, and will own the lock before us). One
   *               refinement while spinning (nobody queued): if the older owner is running (its
   *               context is not waiting itself, see WwAcquireContext.isWaiting), the younger
   *               context re-reads the lock up to WAIT_DIE_PATIENCE times before it dies, since
   *               such an owner usually releases within a few hundred nanoseconds and a back-off
   *               (exception, unlock all, lockSlow, re-lock) costs far more. It dies at once if
   *               the older owner is or starts waiting.
   *   Wound-Wait: a context with acquired > 0 dies once it is wounded. Queuing behind a younger
   *               owner wounds that owner (and unparks it if it waits elsewhere) when the queuing
   *               context holds locks (Waiter.holdsLocks, fixed while it waits): one holding
   *               nothing is waited for by nobody, so it cannot close a cycle and wounds nobody,
   *               as in the kernel. A spinner that meets a younger owner while holding locks
   *               queues at once for that.
   * A barging owner applies the same rule from its side when it takes a lock with waiters
   * queued: Wait-Die unparks the younger context waiters so that they re-check (they may now
   * have an older owner), Wound-Wait wounds the new owner if an older context holding locks
   * waits. The first
   * waiter taking the lock (by CAS or by hand-off) needs no such step: the context waiters behind
   * it are younger, so Wound-Wait has nothing to wound, and under Wait-Die those holding locks
   * already died because of it (it was queued ahead of them). The owner a rule reads is racy
   * (the owner can release without the guard), so a rule may act on an owner that has just left:
   * a spurious wound or an unnecessary back-off, never a missed one (the Dekker pair above).
   *
   * No deadlock: under Wait-Die a context holding locks waits without bound only for a younger
   * owner, so those waits-for edges all point from older to younger; under Wound-Wait an older
   * context that waits for a younger one wounds it, and a wounded context holding locks stops
   * waiting; either way no cycle lasts. A context holding no locks can always just wait (nobody
   * waits for it). Every other wait is a bounded spin: at most SPIN_LIMIT re-reads, and a
   * younger context spins on an older owner only while that owner runs, so a transient
   * young -> old edge never outlives WAIT_DIE_PATIENCE re-reads.
   *
   * Progress of the oldest context: it never backs off and, once queued, is first (context
   * waiters are sorted) unless context-less waiters queued before it; after HANDOFF_NANOS of
   * waiting it gets the lock at the next unlock, whoever barged in before.
   */

  /** Package-private hook used by ReservationObject: reservations die with the lock. */
  interface UnlockListener {
    /** Called by the owner thread just before the lock is released. */
    void beforeUnlock();

    /** Called by the former owner thread right after the lock was released, no lock held. */
    void afterUnlock();
  }

  private static final VarHandle OWNER;

  static {
    try {
      OWNER = MethodHandles.lookup().findVarHandle(WwMutex.class, "owner", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Test seam, absent in production: null unless the system property {@code
   * fence4j.reservation.testSeams} is {@code "true"} when this class initializes (the reservation
   * module's tests set it). A static final null is a constant to the JIT compiler, which drops the
   * check in {@link #unlock()}, so the fast path pays nothing for it.
   */
  static final @Nullable Seam SEAM = seamFromProperty();

  /** The test seam: code that tests run inside the window the fast path's re-check covers. */
  static final class Seam {
    /**
     * Run by unlock's fast path between its read of "queued" (zero) and its release of the lock,
     * with the mutex; tests park a waiter there.
     */
    volatile @Nullable Consumer<WwMutex> beforeFastRelease;

    void beforeFastRelease(WwMutex mutex) {
      Consumer<WwMutex> hook = beforeFastRelease;
      if (hook != null) {
        hook.accept(mutex);
      }
    }
  }

  private static @Nullable Seam seamFromProperty() {
    try {
      return Boolean.getBoolean("fence4j.reservation.testSeams") ? new Seam() : null;
    } catch (SecurityException e) {
      return null;
    }
  }

  /** How many times a locker re-reads a held lock (with Thread.onSpinWait) before queuing. */
  private static final int SPIN_LIMIT = 128;

  /**
   * Wait-Die: how many of those re-reads a context holding locks spends on an older owner that is
   * running (not waiting itself) before it dies.
   */
  private static final int WAIT_DIE_PATIENCE = 32;

  /** How long the first waiter competes with barging threads before unlock hands it the lock. */
  private static final long HANDOFF_NANOS = 1_000_000L;

  private static final class Waiter {
    final Thread thread;
    final @Nullable WwAcquireContext ctx;
    final Object token; // what "owner" holds once this waiter owns the lock
    final long since; // System.nanoTime() when queued
    // Whether ctx held locks when it queued; fixed while it waits (a waiter takes no lock).
    final boolean holdsLocks;
    boolean granted; // guarded by guard; set by a direct hand-off
    boolean signalled; // guarded by guard; unparked by an unlock since its last check

    Waiter(Thread thread, @Nullable WwAcquireContext ctx, Object token, long since) {
      this.thread = thread;
      this.ctx = ctx;
      this.token = token;
      this.since = since;
      this.holdsLocks = ctx != null && ctx.holdsAny();
    }
  }

  private final WwClass wwClass;
  private final @Nullable UnlockListener listener;
  private final long handoffNanos; // HANDOFF_NANOS; tests pin the two branches with 0 or MAX
  private final ReentrantLock guard = new ReentrantLock();
  private final ArrayList<Waiter> waiters = new ArrayList<>(); // guarded by guard
  private volatile int queued; // waiters.size(); written under guard
  // null = free; else the owner's WwAcquireContext, or its Thread when locked without a context.
  private volatile @Nullable Object owner;
  // The owning context's list of held locks (see WwAcquireContext): written only by the thread of
  // the context that holds this lock, while it holds it; null when free or held without a context.
  @Nullable WwMutex heldPrev;
  @Nullable WwMutex heldNext;

  /**
   * Creates an unlocked mutex of class {@code wwClass}.
   *
   * @param wwClass the class shared by every mutex locked in one transaction
   * @throws NullPointerException if {@code wwClass} is null
   */
  public WwMutex(WwClass wwClass) {
    this(wwClass, null);
  }

  WwMutex(WwClass wwClass, @Nullable UnlockListener listener) {
    this(wwClass, listener, HANDOFF_NANOS);
  }

  /** For tests: {@code handoffNanos} 0 hands off at every contended unlock, MAX_VALUE never. */
  WwMutex(WwClass wwClass, @Nullable UnlockListener listener, long handoffNanos) {
    this.wwClass = Objects.requireNonNull(wwClass, "wwClass");
    this.listener = listener;
    this.handoffNanos = handoffNanos;
  }

  /** The internal guard of the wait queue, for tests that order steps around it. */
  ReentrantLock guard() {
    return guard;
  }

  /**
   * Returns the class of this mutex.
   *
   * @return the class
   */
  public WwClass wwClass() {
    return wwClass;
  }

  /**
   * Acquires the lock as part of the transaction {@code ctx}, waiting (uninterruptibly) if needed.
   *
   * @param ctx the acquire context of the transaction
   * @return {@code true} if acquired, {@code false} if {@code ctx} already holds this lock (nothing
   *     changed)
   * @throws WwDeadlockException if {@code ctx} must back off; the lock was not acquired
   * @throws IllegalArgumentException if {@code ctx} is of another {@link WwClass}
   * @throws IllegalStateException if {@code ctx} is closed or done, belongs to another thread, or
   *     the current thread holds this lock without {@code ctx}
   * @throws NullPointerException if {@code ctx} is null
   */
  public boolean lock(WwAcquireContext ctx) {
    Objects.requireNonNull(ctx, "ctx");
    ctx.checkCanLock(this);
    return acquireUninterruptibly(ctx);
  }

  /**
   * Like {@link #lock(WwAcquireContext)}, but the wait can be interrupted.
   *
   * @param ctx the acquire context of the transaction
   * @return {@code true} if acquired, {@code false} if {@code ctx} already holds this lock
   * @throws InterruptedException if the thread is interrupted before or while waiting; the lock was
   *     not acquired
   * @throws WwDeadlockException if {@code ctx} must back off; the lock was not acquired
   * @throws IllegalArgumentException if {@code ctx} is of another {@link WwClass}
   * @throws IllegalStateException as for {@link #lock(WwAcquireContext)}
   * @throws NullPointerException if {@code ctx} is null
   */
  public boolean lockInterruptibly(WwAcquireContext ctx) throws InterruptedException {
    Objects.requireNonNull(ctx, "ctx");
    ctx.checkCanLock(this);
    return acquire(ctx, true);
  }

  /**
   * The back-off acquire: after a {@link WwDeadlockException} and after unlocking every lock the
   * context held, waits (uninterruptibly) for this, the contended lock. Never throws {@link
   * WwDeadlockException}, because a context holding nothing never has to back off.
   *
   * @param ctx the acquire context, holding no lock
   * @throws IllegalStateException if {@code ctx} still holds a lock, is closed or done, or belongs
   *     to another thread
   * @throws IllegalArgumentException if {@code ctx} is of another {@link WwClass}
   * @throws NullPointerException if {@code ctx} is null
   */
  public void lockSlow(WwAcquireContext ctx) {
    Objects.requireNonNull(ctx, "ctx");
    checkSlow(ctx);
    acquireUninterruptibly(ctx);
  }

  /**
   * Like {@link #lockSlow(WwAcquireContext)}, but the wait can be interrupted.
   *
   * @param ctx the acquire context, holding no lock
   * @throws InterruptedException if the thread is interrupted before or while waiting; the lock was
   *     not acquired
   * @throws IllegalStateException as for {@link #lockSlow(WwAcquireContext)}
   * @throws IllegalArgumentException if {@code ctx} is of another {@link WwClass}
   * @throws NullPointerException if {@code ctx} is null
   */
  public void lockSlowInterruptibly(WwAcquireContext ctx) throws InterruptedException {
    Objects.requireNonNull(ctx, "ctx");
    checkSlow(ctx);
    acquire(ctx, true);
  }

  /**
   * Acquires the lock without a context, waiting uninterruptibly; a plain, non-reentrant mutex.
   *
   * @throws IllegalStateException if the current thread already holds this lock
   */
  public void lock() {
    acquireUninterruptibly(null);
  }

  /**
   * Acquires the lock without a context if it is free now; never waits.
   *
   * @return {@code true} if acquired; {@code false} if held by anyone, the current thread included
   */
  public boolean tryLock() {
    return owner == null && OWNER.compareAndSet(this, null, Thread.currentThread());
  }

  /**
   * Releases the lock. If threads are waiting, the first one is woken to take it, or, when it has
   * waited long enough, the lock is handed to it directly.
   *
   * @throws IllegalStateException if the lock is free or held by another thread
   */
  public void unlock() {
    Thread me = Thread.currentThread();
    Object o = owner; // only the owner can change it while it is owned: stable for us
    if (o == null || ownerThread(o) != me) {
      throw new IllegalStateException(
          o == null
              ? "unlock() of a free mutex: " + this
              : "unlock() by " + me.getName() + " of a mutex held by another thread: " + this);
    }
    if (listener != null) {
      listener.beforeUnlock();
    }
    if (o instanceof WwAcquireContext) {
      ((WwAcquireContext) o).onReleased(this);
    }
    if (queued == 0) {
      Seam seam = SEAM;
      if (seam != null) {
        seam.beforeFastRelease(this); // tests only; see SEAM
      }
      owner = null; // volatile write, then read "queued": see the overview
      if (queued != 0) {
        wakeFirst();
      }
    } else {
      unlockQueued();
    }
    if (listener != null) {
      listener.afterUnlock();
    }
  }

  /**
   * Tells whether the lock is held by anyone. A racy snapshot, for assertions and diagnostics.
   *
   * @return whether the lock is held
   */
  public boolean isLocked() {
    return owner != null;
  }

  /**
   * Tells whether the current thread holds this lock (with or without a context).
   *
   * @return whether the current thread is the owner
   */
  public boolean isHeldByCurrentThread() {
    Object o = owner;
    return o != null && ownerThread(o) == Thread.currentThread();
  }

  /** Whether {@code ctx} holds this lock. */
  boolean isHeldBy(WwAcquireContext ctx) {
    return ctx != null && owner == ctx;
  }

  /**
   * Returns a debug string: identity, class, and the owner if any.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    Object o = owner;
    String state =
        o == null
            ? "unlocked"
            : "locked by "
                + (o instanceof WwAcquireContext
                    ? o.toString()
                    : "thread " + ((Thread) o).getName());
    return "WwMutex@" + Integer.toHexString(System.identityHashCode(this)) + "[" + state + "]";
  }

  // ---------------------------------------------------------------------------------------------

  /** The thread that owns the lock when {@code owner} holds {@code o} (non-null). */
  private static Thread ownerThread(Object o) {
    return o instanceof WwAcquireContext ? ((WwAcquireContext) o).thread() : (Thread) o;
  }

  private void checkSlow(WwAcquireContext ctx) {
    ctx.checkCanLock(this);
    if (ctx.holdsAny()) {
      throw new IllegalStateException(
          "lockSlow() needs an acquire context holding no locks: unlock the "
              + ctx.acquired()
              + " lock(s) of "
              + ctx
              + " first");
    }
  }

  private boolean acquireUninterruptibly(@Nullable WwAcquireContext ctx) {
    try {
      return acquire(ctx, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible acquire was interrupted", e);
    }
  }

  /** The lock algorithm: fast path and bounded spin; see the overview. */
  @SuppressWarnings("NullAway") // holdsLocks implies a context
  private boolean acquire(@Nullable WwAcquireContext ctx, boolean interruptible)
      throws InterruptedException {
    if (interruptible && Thread.interrupted()) {
      throw new InterruptedException();
    }
    boolean holdsLocks = false;
    if (ctx != null) {
      if (ctx.holdsAny()) {
        holdsLocks = true;
      } else if (ctx.isWounded()) {
        ctx.clearWound(); // a context holding nothing has nothing to give back
      }
    }
    Object token = ctx != null ? ctx : Thread.currentThread();
    Object o = owner;
    if (o == null) {
      if (OWNER.compareAndSet(this, null, token)) {
        acquiredFast(ctx);
        return true;
      }
      o = owner;
    }
    if (o != null) {
      // Only our own thread can make these true or false: the answer is stable.
      if (o == ctx) {
        return false; // -EALREADY
      }
      if (ownerThread(o) == Thread.currentThread()) {
        throw new IllegalStateException(
            "the current thread already holds " + this + " (WwMutex is not reentrant)");
      }
    }
    if (holdsLocks) {
      ctx.setWaiting(true); // lets a younger context see that we wait (and a wounder unpark us)
    }
    try {
      int patience = WAIT_DIE_PATIENCE;
      for (int spins = SPIN_LIMIT; spins > 0 && queued == 0; spins--) {
        if (o == null) {
          if (OWNER.compareAndSet(this, null, token)) {
            acquiredFast(ctx);
            return true;
          }
        } else if (holdsLocks) {
          WwAcquireContext holder = o instanceof WwAcquireContext ? (WwAcquireContext) o : null;
          if (wwClass.isWaitDie()) {
            if (holder != null
                && holder.stamp() < ctx.stamp()
                && (--patience < 0 || holder.isWaiting())) {
              throw new WwDeadlockException(this); // an older owner that does not let go: die
            }
          } else if (ctx.isWounded()) {
            throw new WwDeadlockException(this);
          } else if (holder != null && holder.stamp() > ctx.stamp()) {
            break; // a younger owner: queue now, which wounds it
          }
        }
        Thread.onSpinWait();
        o = owner;
      }
    } finally {
      if (holdsLocks) {
        ctx.setWaiting(false);
      }
    }
    return acquireQueued(ctx, token, interruptible);
  }

  /** After a CAS from null outside the queue (barging): apply the rules if anyone waits. */
  private void acquiredFast(@Nullable WwAcquireContext ctx) {
    if (ctx != null) {
      ctx.onAcquired(this);
      if (queued != 0) { // read after the CAS: see the overview
        guard.lock();
        try {
          afterOwnerChange(ctx);
        } finally {
          guard.unlock();
        }
      }
    }
  }

  /** The queued part of the lock algorithm: wait in line, parked. */
  private boolean acquireQueued(@Nullable WwAcquireContext ctx, Object token, boolean interruptible)
      throws InterruptedException {
    Thread me = Thread.currentThread();
    Waiter w = new Waiter(me, ctx, token, System.nanoTime());
    boolean enqueued = false;
    boolean first = false;
    boolean interrupted = false;
    if (ctx != null) {
      // Publish that we wait before reading "wounded" (in mustBackOff): a wounder writes
      // "wounded" before reading this, so either it unparks us or we see the wound.
      ctx.setWaiting(true);
    }
    try {
      for (; ; ) {
        guard.lock();
        try {
          if (!enqueued) {
            enqueue(w);
            enqueued = true;
          } else if (w.granted) {
            if (ctx != null) {
              ctx.onAcquired(this);
            }
            return true; // an interrupt that raced the grant is kept in the flag (finally)
          }
          w.signalled = false; // checking now: a later unlock must unpark us again
          if (interruptible && interrupted) {
            leave(w);
            interrupted = false;
            throw new InterruptedException();
          }
          if (mustBackOff(w)) {
            leave(w);
            throw new WwDeadlockException(this);
          }
          first = waiters.get(0) == w;
          if (first && owner == null && OWNER.compareAndSet(this, null, token)) {
            // No afterOwnerChange: the first waiter changes no rule for those behind it.
            waiters.remove(0);
            queued = waiters.size();
            if (ctx != null) {
              ctx.onAcquired(this);
            }
            return true;
          }
        } finally {
          guard.unlock();
        }
        if (first && spinUntilFree()) {
          if (Thread.interrupted()) {
            interrupted = true;
          }
          continue; // compete again without parking
        }
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
      }
    } finally {
      if (ctx != null) {
        ctx.setWaiting(false);
      }
      if (interrupted) {
        me.interrupt();
      }
    }
  }

  /** Spins (bounded) while the lock is held; returns whether it was seen free. */
  private boolean spinUntilFree() {
    for (int spins = SPIN_LIMIT; spins > 0; spins--) {
      if (owner == null) {
        return true;
      }
      Thread.onSpinWait();
    }
    return owner == null;
  }

  /** The unlock slow path: someone is queued. */
  private void unlockQueued() {
    guard.lock();
    try {
      if (waiters.isEmpty()) {
        owner = null;
        return;
      }
      Waiter first = waiters.get(0);
      if (System.nanoTime() - first.since >= handoffNanos) {
        waiters.remove(0);
        queued = waiters.size();
        first.granted = true;
        owner = first.token; // no afterOwnerChange: the first waiter changes no rule
        LockSupport.unpark(first.thread);
      } else {
        owner = null;
        signal(first);
      }
    } finally {
      guard.unlock();
    }
  }

  /** Unparks the first waiter, if any, so that it competes for the lock. */
  private void wakeFirst() {
    guard.lock();
    try {
      if (!waiters.isEmpty()) {
        signal(waiters.get(0));
      }
    } finally {
      guard.unlock();
    }
  }

  /**
   * Unparks the first waiter after a release, unless an earlier release already did and it has not
   * checked the lock since (it will, after this release). Under guard.
   */
  private static void signal(Waiter first) {
    if (!first.signalled) {
      first.signalled = true;
      LockSupport.unpark(first.thread);
    }
  }

  /** Removes a waiter that gives up (backs off or is interrupted). Under guard. */
  private void leave(Waiter w) {
    int i = waiters.indexOf(w);
    waiters.remove(i);
    queued = waiters.size();
    if (i == 0 && !waiters.isEmpty()) {
      LockSupport.unpark(waiters.get(0).thread); // the new first waiter may find the lock free
    }
  }

  /** Inserts a waiter: context waiters by age, context-less ones at the tail. Under guard. */
  private void enqueue(Waiter w) {
    WwAcquireContext ctx = w.ctx;
    int pos = waiters.size();
    if (ctx != null) {
      for (int i = 0; i < waiters.size(); i++) {
        WwAcquireContext other = waiters.get(i).ctx;
        if (other != null && other.stamp() > ctx.stamp()) {
          pos = i;
          break;
        }
      }
    }
    waiters.add(pos, w);
    queued = waiters.size(); // volatile write, then read "owner": see the overview
    if (ctx == null) {
      return;
    }
    if (wwClass.isWaitDie()) {
      // Younger context waiters now queue behind an older one: let them check whether to die.
      for (int i = pos + 1; i < waiters.size(); i++) {
        Waiter behind = waiters.get(i);
        if (behind.ctx != null) {
          LockSupport.unpark(behind.thread);
        }
      }
    } else if (w.holdsLocks) {
      // Only a waiter holding locks can close a cycle: one holding nothing just waits its turn.
      Object o = owner;
      if (o instanceof WwAcquireContext && ((WwAcquireContext) o).stamp() > ctx.stamp()) {
        ((WwAcquireContext) o).wound();
      }
    }
  }

  /**
   * After {@code newOwner} took the lock with waiters queued: Wait-Die wakes the younger context
   * waiters to re-check (they now wait for an older owner), Wound-Wait wounds the new owner if an
   * older context holding locks waits. Under guard.
   */
  @SuppressWarnings("NullAway") // a waiter that holds locks has a context
  private void afterOwnerChange(@Nullable WwAcquireContext newOwner) {
    if (newOwner == null) {
      return; // a context-less owner changes no rule
    }
    if (wwClass.isWaitDie()) {
      for (Waiter x : waiters) {
        if (x.ctx != null && x.ctx.stamp() > newOwner.stamp()) {
          LockSupport.unpark(x.thread);
        }
      }
    } else {
      for (Waiter x : waiters) {
        if (x.holdsLocks && x.ctx.stamp() < newOwner.stamp()) {
          newOwner.wound();
          break;
        }
      }
    }
  }

  /** The back-off rule of the overview; called by the waiter's own thread under guard. */
  private boolean mustBackOff(Waiter w) {
    WwAcquireContext ctx = w.ctx;
    if (ctx == null || !ctx.holdsAny()) {
      return false;
    }
    if (!wwClass.isWaitDie()) {
      return ctx.isWounded();
    }
    Object o = owner;
    if (o instanceof WwAcquireContext && ((WwAcquireContext) o).stamp() < ctx.stamp()) {
      return true;
    }
    for (Waiter x : waiters) {
      if (x == w) {
        break;
      }
      if (x.ctx != null) {
        return true;
      }
    }
    return false;
  }
}
