package org.fence4j.reservation;

import java.util.Arrays;
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
   * The stamp and the owning thread are final. The array of held mutexes, the done and closed
   * flags are only touched by the owning thread (plain fields; every public entry point checks
   * the thread first). Two fields are shared with other threads:
   *   wounded       - set by an older context (Wound-Wait) that waits for a lock we hold; read by
   *                   our own thread at its next contended lock. Volatile.
   *   waitingThread - our thread while it waits in a contended lock (parked, or spinning while
   *                   it holds other locks), else null; read by the wounder to unpark us so that
   *                   we notice the wound, and (Wait-Die) by a younger context spinning on a lock
   *                   we hold, which dies at once rather than wait for a context that waits
   *                   itself. Volatile; the wounder writes "wounded" then reads
   *                   "waitingThread", we write "waitingThread" then read "wounded", so at least
   *                   one of the two sees the other (Dekker).
   */

  private static final WwMutex[] NONE = new WwMutex[0];

  /**
   * Per thread: the contexts of that thread that hold at least one lock right now (a count, and the
   * latest for messages). Updated only when a context's held count goes from 0 to 1 or back, so
   * once per transaction; read by {@link #transactionOnCurrentThread()} for the context-less
   * conveniences that must refuse to run inside a transaction.
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
  private WwMutex[] held = NONE; // owner thread only; slots [0, heldCount) in locking order
  private int heldCount; // owner thread only
  private boolean done; // owner thread only
  private boolean closed; // owner thread only
  private volatile boolean wounded;
  private volatile @Nullable Thread waitingThread;

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
    return heldCount;
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
    if (heldCount != 0) {
      throw new IllegalStateException(
          "acquire context "
              + this
              + " still holds "
              + heldCount
              + " lock(s): "
              + Arrays.asList(held).subList(0, heldCount));
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

  int acquired() {
    return heldCount;
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

  void onAcquired(WwMutex mutex) {
    if (heldCount == 0) {
      Holding h = HOLDING.get();
      h.contexts++;
      h.latest = this;
    }
    if (heldCount == held.length) {
      held = Arrays.copyOf(held, Math.max(4, 2 * heldCount));
    }
    held[heldCount++] = mutex;
  }

  @SuppressWarnings("NullAway") // clears the slot past the held ones, for the GC
  void onReleased(WwMutex mutex) {
    for (int i = 0; i < heldCount; i++) {
      if (held[i] == mutex) {
        System.arraycopy(held, i + 1, held, i, heldCount - 1 - i);
        held[--heldCount] = null;
        if (heldCount == 0) {
          Holding h = HOLDING.get();
          if (--h.contexts == 0 || h.latest == this) {
            h.latest = null;
          }
        }
        break;
      }
    }
    if (heldCount == 0 && wounded) {
      wounded = false; // a context holding nothing has nothing to give back
    }
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
    Thread t = waitingThread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Whether our thread is spinning or parked in a contended lock (racy snapshot). */
  boolean isWaiting() {
    return waitingThread != null;
  }

  void setWaiting(boolean waiting) {
    waitingThread = waiting ? owner : null;
  }
}
