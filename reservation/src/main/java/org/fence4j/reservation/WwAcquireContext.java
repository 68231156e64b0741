package org.fence4j.reservation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One transaction that takes several {@link WwMutex wound/wait mutexes} of one {@link WwClass}: the
 * kernel's {@code ww_acquire_ctx}.
 *
 * <p>The context's age (its {@link #stamp() ticket}) is fixed when it is created and kept across
 * back-offs; keeping the same context for the retry is what guarantees that every transaction
 * eventually completes. A typical transaction:
 *
 * <pre>{@code
 * try (WwAcquireContext ctx = new WwAcquireContext(ReservationObject.WW_CLASS)) {
 *   // lock the objects with ctx, backing off on WwDeadlockException
 *   // (or simply use ReservationLocks.lockAll, which does this)
 *   ctx.done();
 *   // ... work ...
 *   // unlock everything before close()
 * }
 * }</pre>
 *
 * <p><b>Thread confinement.</b> A context belongs to the thread that created it: every method but
 * {@link #stamp()}, {@link #wwClass()} and {@link #toString()} throws {@link IllegalStateException}
 * when called from another thread, and so does locking a mutex with it from another thread.
 */
public final class WwAcquireContext implements AutoCloseable {
  /*
   * Overview:
   * The stamp, the owning thread and its Holding record are final. The list of held mutexes, the
   * done and closed flags are only touched by the owning thread (plain fields; every public entry point
   * checks the thread first). Two fields are shared with other threads:
   *   wounded - set by an older context (Wound-Wait) that waits for a lock we hold; read by our
   *             own thread at its next contended lock. Volatile.
   *   waiting - whether our thread waits in a contended lock (parked, or spinning while it holds
   *             other locks); read by the wounder to unpark our (final) thread so that we notice
   *             the wound, and (Wait-Die) by a younger context spinning on a lock we hold, which
   *             dies at once rather than wait for a context that waits itself. Volatile; the
   *             wounder writes "wounded" then reads "waiting", we write "waiting" then read
   *             "wounded", so at least one of the two sees the other (Dekker).
   *
   * Held list: intrusive and doubly linked through the mutexes themselves (WwMutex.heldPrev /
   * heldNext, newest first), so a transaction allocates nothing but the context: a mutex is held
   * by at most one context at a time, and its two link fields are written only by the thread of
   * the context that holds it, while it holds it (the lock's own acquire/release orders them for
   * the next holder). Taking and releasing a lock are O(1) whatever the order of the unlocks.
   *
   * Per-thread record (HOLDING): looked up once, when the context is created, and kept in the
   * "holding" field, so the first lock and the last unlock of a transaction update it without a
   * ThreadLocal lookup.
   *
   * Footprint: 40 bytes with compressed class pointers (header 12, wwClass 4, stamp 8, owner 4,
   * holding 4, heldHead 4, four booleans); nothing else is allocated per transaction. The number
   * of held locks is not stored: the hot paths only ask whether the list is empty, and the count
   * (acquiredCount(), messages) walks the list.
   */

  /**
   * Per thread: the contexts of that thread that hold at least one lock right now (a count, and the
   * latest for messages). Looked up once per context (at creation) and updated only when a
   * context's held list becomes non-empty or empty again, so twice per transaction; read by {@link
   * #transactionOnCurrentThread()} for the context-less conveniences that must refuse to run inside
   * a transaction.
   */
  private static final ThreadLocal<Holding> HOLDING = ThreadLocal.withInitial(Holding::new);

  /** See {@link #HOLDING}. Confined to its thread. */
  private static final class Holding {
    int contexts;
    @Nullable WwAcquireContext latest;
  }

  private final WwClass wwClass;
  private final long stamp; // lower = older; unique within the class
  private final Thread owner;
  private final Holding holding; // HOLDING of the owner thread; its fields are owner thread only
  private @Nullable WwMutex heldHead; // owner thread only; the latest lock taken, see overview
  private boolean done; // owner thread only
  private boolean closed; // owner thread only
  private volatile boolean wounded;
  private volatile boolean waiting;

  /**
   * Starts a transaction of class {@code wwClass}, taking the next ticket of the class.
   *
   * @param wwClass the class of every mutex this context will lock
   * @throws NullPointerException if {@code wwClass} is null
   */
  public WwAcquireContext(WwClass wwClass) {
    this.wwClass = Objects.requireNonNull(wwClass, "wwClass");
    this.stamp = wwClass.nextStamp();
    this.owner = Thread.currentThread();
    this.holding = HOLDING.get();
  }

  /**
   * Returns the class this context belongs to.
   *
   * @return the class
   */
  public WwClass wwClass() {
    return wwClass;
  }

  /**
   * Returns the ticket fixed at creation; a lower ticket is an older context, which wins conflicts.
   *
   * @return the ticket
   */
  public long stamp() {
    return stamp;
  }

  /**
   * Marks that no more locks will be taken with this context (the kernel's {@code
   * ww_acquire_done}); locking with it afterwards throws {@link IllegalStateException}. Optional.
   *
   * @throws IllegalStateException if called from a thread other than the creating one
   */
  public void done() {
    checkThread();
    done = true;
  }

  /**
   * Tells whether {@link #done()} was called.
   *
   * @return whether the acquire phase is over
   * @throws IllegalStateException if called from a thread other than the creating one
   */
  public boolean isDone() {
    checkThread();
    return done;
  }

  /**
   * Returns how many mutexes this context holds right now.
   *
   * @return the number of held locks
   * @throws IllegalStateException if called from a thread other than the creating one
   */
  public int acquiredCount() {
    checkThread();
    return acquired();
  }

  /**
   * Ends the transaction (the kernel's {@code ww_acquire_fini}). Every lock taken with the context
   * must have been unlocked; otherwise this throws {@link IllegalStateException}, listing the
   * locks, and the context stays open and unchanged. A second call does nothing.
   *
   * @throws IllegalStateException if the context still holds locks, or if called from a thread
   *     other than the creating one
   */
  @Override
  public void close() {
    checkThread();
    if (heldHead != null) {
      throw new IllegalStateException(
          "acquire context "
              + this
              + " still holds "
              + acquired()
              + " lock(s): "
              + heldInLockingOrder());
    }
    closed = true;
  }

  /**
   * Returns a debug string with the class, the ticket and the number of held locks.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    return "WwAcquireContext[" + wwClass.name() + " #" + stamp + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Package-private protocol used by WwMutex.

  /** Validates that this context may lock {@code mutex} now. */
  void checkCanLock(WwMutex mutex) {
    checkThread();
    if (mutex.wwClass() != wwClass) {
      throw new IllegalArgumentException(
          "acquire context of " + wwClass + " cannot lock a mutex of " + mutex.wwClass());
    }
    if (closed) {
      throw new IllegalStateException("acquire context " + this + " is closed");
    }
    if (done) {
      throw new IllegalStateException("acquire context " + this + " is done(): no more locks");
    }
  }

  void checkThread() {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "acquire context " + this + " belongs to thread " + owner.getName());
    }
  }

  /** Whether this context holds at least one lock (owner thread only). */
  boolean holdsAny() {
    return heldHead != null;
  }

  /** How many locks this context holds (owner thread only; walks the list). */
  int acquired() {
    int n = 0;
    for (WwMutex m = heldHead; m != null; m = m.heldNext) {
      n++;
    }
    return n;
  }

  /**
   * Describes the acquire context(s) of the current thread that hold locks right now (a
   * multi-buffer transaction in progress), or returns {@code null} if there is none.
   */
  static @Nullable String transactionOnCurrentThread() {
    Holding h = HOLDING.get();
    if (h.contexts == 0) {
      return null;
    }
    WwAcquireContext latest = h.latest;
    return latest != null ? latest.toString() : h.contexts + " acquire contexts";
  }

  /** The thread this context belongs to (final; any thread may read it). */
  Thread thread() {
    return owner;
  }

  /** Records that this context now holds {@code mutex} (just acquired: not in the list). */
  void onAcquired(WwMutex mutex) {
    WwMutex head = heldHead;
    if (head == null) {
      Holding h = holding;
      h.contexts++;
      h.latest = this;
    } else {
      head.heldPrev = mutex;
    }
    mutex.heldPrev = null;
    mutex.heldNext = head;
    heldHead = mutex;
  }

  /** Records that this context no longer holds {@code mutex}, which it held until now. */
  void onReleased(WwMutex mutex) {
    WwMutex prev = mutex.heldPrev;
    WwMutex next = mutex.heldNext;
    if (prev == null) {
      heldHead = next;
    } else {
      prev.heldNext = next;
    }
    if (next != null) {
      next.heldPrev = prev;
    }
    mutex.heldPrev = null;
    mutex.heldNext = null;
    if (heldHead == null) {
      Holding h = holding;
      if (--h.contexts == 0 || h.latest == this) {
        h.latest = null;
      }
      if (wounded) {
        wounded = false; // a context holding nothing has nothing to give back
      }
    }
  }

  /** The held mutexes, oldest lock first (for messages). */
  private List<WwMutex> heldInLockingOrder() {
    ArrayList<WwMutex> list = new ArrayList<>();
    for (WwMutex m = heldHead; m != null; m = m.heldNext) {
      list.add(m);
    }
    Collections.reverse(list);
    return list;
  }

  boolean isWounded() {
    return wounded;
  }

  void clearWound() {
    wounded = false;
  }

  /** Wound-Wait: an older context needs a lock we hold; we back off at our next contention. */
  void wound() {
    if (!wounded) {
      wounded = true;
    }
    if (waiting) {
      LockSupport.unpark(owner);
    }
  }

  /** Whether our thread is spinning or parked in a contended lock (racy snapshot). */
  boolean isWaiting() {
    return waiting;
  }

  void setWaiting(boolean waiting) {
    this.waiting = waiting;
  }
}
