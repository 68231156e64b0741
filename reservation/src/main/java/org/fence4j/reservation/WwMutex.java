package org.fence4j.reservation;

import java.util.ArrayList;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A wound/wait mutex: a non-reentrant lock that several can be taken in any order, under an
 * {@link WwAcquireContext}, without deadlock. The kernel's {@code ww_mutex}.
 *
 * <p><b>With a context.</b> {@link #lock(WwAcquireContext)} returns {@code true} when it acquired
 * the lock and {@code false} when the context already holds it (the kernel's {@code -EALREADY}:
 * the same buffer named twice). When taking the lock could close a cycle of waiters, it throws
 * {@link WwDeadlockException} instead of waiting; the caller then unlocks everything the context
 * holds, waits for the contended lock with {@link #lockSlow(WwAcquireContext)}, and locks the rest
 * again. Which context backs off depends on the {@link WwClass}: under Wait-Die a younger context
 * dies when it meets an older one; under Wound-Wait an older context wounds the younger holder,
 * which backs off at its next contended lock. An older context never backs off for a younger one,
 * and a context that holds no lock never gets the exception, so the oldest transaction always
 * completes.
 *
 * <p><b>Without a context.</b> {@link #lock()}, {@link #tryLock()} and {@link #unlock()} make it
 * a plain mutex. Do not mix context-less and context locking on the mutexes of one class inside
 * one transaction: a context-less waiter never backs off.
 *
 * <p><b>Ownership.</b> The lock belongs to the thread that acquired it; only that thread may
 * unlock it ({@link IllegalStateException} otherwise), and locking a mutex the current thread
 * already holds (other than the {@code -EALREADY} case) throws {@link IllegalStateException}
 * rather than deadlocking. Waiting threads park ({@link LockSupport}); no monitor is used, so
 * virtual threads do not pin their carrier. Lock hand-off is direct: when the holder unlocks, the
 * first waiter becomes the owner, context waiters ordered oldest first and context-less waiters in
 * arrival order.
 *
 * <p>Memory consistency effects: actions in a thread before {@code unlock()} happen-before
 * actions of the next owner after its lock method returns.
 */
public final class WwMutex {
  /*
   * Overview:
   * State: ownerThread (null = free) and ownerCtx (null for a context-less owner), plus a list of
   * parked waiters. Every transition happens while holding the internal ReentrantLock "guard",
   * which is held only for a few field updates and never while parked or while running foreign
   * code. ownerThread and ownerCtx are also volatile so that isLocked(), the ownership checks and
   * toString() can read them without the guard.
   *
   * Invariants (under guard):
   *   - ownerThread == null implies waiters is empty: unlock hands the lock directly to the first
   *     waiter (no barging), so a free mutex has nobody waiting.
   *   - waiters with a context are sorted by stamp (oldest first); a context-less waiter is
   *     appended. Hence every context waiter ahead of a given context waiter is older.
   *   - Waiter.granted is set, under guard, only by the hand-off in unlock(); the waiter reads it
   *     under guard after waking. A parked waiter re-checks its state after every wake-up, so
   *     spurious and extra unparks are harmless.
   *
   * Back-off rule (checked by the waiting thread before parking and after every wake-up):
   *   Wait-Die:   a context with acquired > 0 dies if the owner is older, or if any context waiter
   *               is queued ahead of it (it is older, and will own the lock before us).
   *   Wound-Wait: a context with acquired > 0 dies once it is wounded. Queuing behind a younger
   *               owner wounds that owner (and unparks it if it waits elsewhere).
   * Both rules only ever make a context wait for a younger one, so the waits-for graph has no
   * cycle, and a context with no locks can always just wait.
   *
   * When a waiter may need to re-check (an older waiter queued ahead of it, or a new owner), the
   * waiters are unparked; they re-evaluate under guard.
   */

  /** Package-private hook used by ReservationObject: reservations die with the lock. */
  interface UnlockListener {
    /** Called by the owner thread just before the lock is released. */
    void beforeUnlock();

    /** Called by the former owner thread right after the lock was released, no lock held. */
    void afterUnlock();
  }

  private static final class Waiter {
    final Thread thread;
    final @Nullable WwAcquireContext ctx;
    boolean granted; // guarded by guard; set by the hand-off

    Waiter(Thread thread, @Nullable WwAcquireContext ctx) {
      this.thread = thread;
      this.ctx = ctx;
    }
  }

  private final WwClass wwClass;
  private final @Nullable UnlockListener listener;
  private final ReentrantLock guard = new ReentrantLock();
  private final ArrayList<Waiter> waiters = new ArrayList<>(); // guarded by guard
  private volatile @Nullable Thread ownerThread; // written under guard; null = free
  private volatile @Nullable WwAcquireContext ownerCtx; // written under guard

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
    this.wwClass = Objects.requireNonNull(wwClass, "wwClass");
    this.listener = listener;
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
   * @throws InterruptedException if the thread is interrupted before or while waiting; the lock
   *     was not acquired
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
   * @throws InterruptedException if the thread is interrupted before or while waiting; the lock
   *     was not acquired
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
    guard.lock();
    try {
      if (ownerThread != null) {
        return false;
      }
      setOwner(Thread.currentThread(), null);
      return true;
    } finally {
      guard.unlock();
    }
  }

  /**
   * Releases the lock, handing it to the first waiter if any.
   *
   * @throws IllegalStateException if the lock is free or held by another thread
   */
  public void unlock() {
    Thread me = Thread.currentThread();
    Thread owner = ownerThread; // only the owner can change it while it is owned: stable for us
    if (owner != me) {
      throw new IllegalStateException(
          owner == null
              ? "unlock() of a free mutex: " + this
              : "unlock() by " + me.getName() + " of a mutex held by another thread: " + this);
    }
    if (listener != null) {
      listener.beforeUnlock();
    }
    guard.lock();
    try {
      WwAcquireContext ctx = ownerCtx;
      if (ctx != null) {
        ctx.onReleased(this);
      }
      if (waiters.isEmpty()) {
        ownerCtx = null;
        ownerThread = null;
      } else {
        Waiter next = waiters.remove(0);
        setOwner(next.thread, next.ctx);
        next.granted = true;
        LockSupport.unpark(next.thread);
        afterOwnerChange(next.ctx);
      }
    } finally {
      guard.unlock();
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
    return ownerThread != null;
  }

  /**
   * Tells whether the current thread holds this lock (with or without a context).
   *
   * @return whether the current thread is the owner
   */
  public boolean isHeldByCurrentThread() {
    return ownerThread == Thread.currentThread();
  }

  /** Whether {@code ctx} holds this lock. */
  boolean isHeldBy(WwAcquireContext ctx) {
    return ownerCtx == ctx && ownerThread != null;
  }

  /**
   * Returns a debug string: identity, class, and the owner if any.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    Thread t = ownerThread;
    WwAcquireContext c = ownerCtx;
    String state =
        t == null
            ? "unlocked"
            : "locked by " + (c != null ? c.toString() : "thread " + t.getName());
    return "WwMutex@" + Integer.toHexString(System.identityHashCode(this)) + "[" + state + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private void checkSlow(WwAcquireContext ctx) {
    ctx.checkCanLock(this);
    if (ctx.acquired() != 0) {
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

  /** The lock algorithm; see the overview. */
  private boolean acquire(@Nullable WwAcquireContext ctx, boolean interruptible)
      throws InterruptedException {
    Thread me = Thread.currentThread();
    if (interruptible && Thread.interrupted()) {
      throw new InterruptedException();
    }
    Waiter w;
    guard.lock();
    try {
      if (ctx != null && ownerCtx == ctx) {
        return false; // -EALREADY
      }
      if (ownerThread == me) {
        throw new IllegalStateException(
            "the current thread already holds " + this + " (WwMutex is not reentrant)");
      }
      if (ctx != null && ctx.acquired() == 0) {
        ctx.clearWound();
      }
      if (ownerThread == null) {
        setOwner(me, ctx);
        if (ctx != null) {
          ctx.onAcquired(this);
        }
        return true;
      }
      w = new Waiter(me, ctx);
      if (ctx != null) {
        // Publish that we wait before reading "wounded" (in mustBackOff): a wounder writes
        // "wounded" before reading this, so either it unparks us or we see the wound.
        ctx.setWaiting(true);
      }
      enqueue(w);
      if (mustBackOff(w)) {
        waiters.remove(w);
        if (ctx != null) {
          ctx.setWaiting(false);
        }
        throw new WwDeadlockException(this);
      }
    } finally {
      guard.unlock();
    }

    boolean interrupted = false;
    try {
      for (; ; ) {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          interrupted = true;
        }
        guard.lock();
        try {
          if (w.granted) {
            if (ctx != null) {
              ctx.onAcquired(this);
            }
            return true; // an interrupt that raced the grant is kept in the flag (finally)
          }
          if (interruptible && interrupted) {
            waiters.remove(w);
            interrupted = false;
            throw new InterruptedException();
          }
          if (mustBackOff(w)) {
            waiters.remove(w);
            throw new WwDeadlockException(this);
          }
        } finally {
          guard.unlock();
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

  /** Inserts a waiter: context waiters by age, context-less ones at the tail. Under guard. */
  private void enqueue(Waiter w) {
    WwAcquireContext ctx = w.ctx;
    if (ctx == null) {
      waiters.add(w);
      return;
    }
    int pos = waiters.size();
    for (int i = 0; i < waiters.size(); i++) {
      WwAcquireContext other = waiters.get(i).ctx;
      if (other != null && other.stamp() > ctx.stamp()) {
        pos = i;
        break;
      }
    }
    waiters.add(pos, w);
    if (wwClass.isWaitDie()) {
      // Younger context waiters now queue behind an older one: let them check whether to die.
      for (int i = pos + 1; i < waiters.size(); i++) {
        Waiter behind = waiters.get(i);
        if (behind.ctx != null) {
          LockSupport.unpark(behind.thread);
        }
      }
    } else {
      WwAcquireContext holder = ownerCtx;
      if (holder != null && holder.stamp() > ctx.stamp()) {
        holder.wound();
      }
    }
  }

  /** After a hand-off: wake context waiters for a re-check, or wound a younger new owner. */
  private void afterOwnerChange(@Nullable WwAcquireContext newOwner) {
    if (wwClass.isWaitDie()) {
      for (Waiter x : waiters) {
        if (x.ctx != null) {
          LockSupport.unpark(x.thread);
        }
      }
    } else if (newOwner != null) {
      for (Waiter x : waiters) {
        if (x.ctx != null && x.ctx.stamp() < newOwner.stamp()) {
          newOwner.wound();
          break;
        }
      }
    }
  }

  /** The back-off rule of the overview; called by the waiter's own thread under guard. */
  private boolean mustBackOff(Waiter w) {
    WwAcquireContext ctx = w.ctx;
    if (ctx == null || ctx.acquired() == 0) {
      return false;
    }
    if (!wwClass.isWaitDie()) {
      return ctx.isWounded();
    }
    WwAcquireContext holder = ownerCtx;
    if (holder != null && holder.stamp() < ctx.stamp()) {
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

  private void setOwner(Thread thread, @Nullable WwAcquireContext ctx) {
    ownerCtx = ctx;
    ownerThread = thread;
  }
}
