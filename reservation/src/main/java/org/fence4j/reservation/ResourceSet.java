package org.fence4j.reservation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContexts;
import org.fence4j.internal.Diagnostics;
import org.fence4j.internal.Timeouts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.jspecify.annotations.Nullable;

/**
 * Access to several buffers at once, each exclusive or shared, granted in FIFO order: the
 * equivalent of ARM's KDS resource sets, built on fences and reservation objects.
 *
 * <pre>{@code
 * ResourceSet set = ResourceSet.request()
 *     .exclusive(renderTarget)
 *     .shared(texture, vertices)
 *     .acquire(Duration.ofSeconds(1));          // or acquireAsync(), or tryAcquire()
 * try {
 *   // ... use the buffers ...
 * } finally {
 *   set.release();
 * }
 * }</pre>
 *
 * <p><b>Queueing.</b> A request is placed at the tail of the queue of every buffer it names, on all
 * of them atomically, before the acquiring call returns (queue order is call order). On each
 * buffer, the request at the head of the queue may proceed, and so may a shared request when every
 * request ahead of it is shared: shared holders run together, an exclusive holder runs alone, and a
 * shared request never overtakes a queued exclusive one. Because placement is atomic, any two
 * requests are in the same relative order on every buffer they share, so requests for {A, B} and
 * {B, A} can never deadlock.
 *
 * <p><b>Fences.</b> Each set has its own {@linkplain #fence() fence}. When a request may proceed on
 * every buffer, it also waits for the fences already on the buffers that its access must follow
 * ({@link Usage#forAccess(boolean)}: READ and stronger for an exclusive buffer, WRITE and stronger
 * for a shared one), so work published by fence producers is ordered too. Then, under each buffer's
 * lock, it adds its fence to the buffer (WRITE on exclusive buffers, READ on shared ones) and is
 * granted; producers that synchronize implicitly through the reservation objects thus wait for the
 * set. {@link #release()} signals the fence.
 *
 * <p><b>Cancellation.</b> Releasing a set that was not granted yet cancels its request, and a
 * cancelled request behaves as if it had never been made: the requests behind it are granted
 * exactly when they would have been without it, never earlier and never later. A timed-out or
 * interrupted {@link Request#acquire(Duration)} and cancelling (or otherwise completing) the future
 * of {@link Request#acquireAsync()} before the grant cancel the same way.
 *
 * <p><b>Threads and callbacks.</b> Every method is thread-safe; {@link #release()} is idempotent
 * and may race with itself, with a cancellation or with the grant. The grant completes the future
 * exactly once, never while the library holds any lock (its own or a buffer's), so callbacks may
 * release this set or others. User code (the future's dependents) never runs inside {@link
 * ReservationObject#unlock()}, {@link WwMutex#unlock()} or {@link LockedReservations#close()}, nor
 * on a thread while the library holds a buffer lock for it. The grant runs in the acquiring thread
 * if everything is free (then the future is complete before {@code acquireAsync()} returns), in the
 * thread that releases a set or signals a fence the request waited for, or on a library thread (a
 * daemon thread of an internal pool): when the request waited for a buffer's lock (after that
 * buffer was unlocked), and when the thread that made the grant possible holds ww locks through an
 * acquire context (inside {@link ReservationLocks#lockAll} ... {@link LockedReservations#close()}).
 * Grants triggered from inside a grant callback run after that callback returns, so cascades use
 * constant stack depth; do not block inside a grant callback waiting for another future of this
 * class.
 *
 * <p><b>Failures.</b> If a fence hook ({@link Fence#peekSignaled()}, {@link
 * Fence#onEnableSignaling()}) of a fence on one of the buffers throws while a request is being
 * granted, that request fails: its future completes exceptionally with the exception (a blocking
 * {@code acquire} rethrows it) and the request is removed as if cancelled. A {@code tryAcquire}
 * rethrows it and leaves nothing queued.
 *
 * <p><b>Scale.</b> There is no global lock: each buffer has its own queue and lock, a request on
 * several buffers locks their queues in one global order for a moment to join them all at once, and
 * requests on disjoint buffers never contend.
 *
 * <p><b>Buffer locks.</b> Installing the set's fence needs each buffer's lock for a moment (taken
 * with {@link WwMutex#tryLock()}, never waited for): a thread that holds a buffer's lock delays
 * grants on that buffer until it unlocks it, so do not wait for a grant while holding the lock of
 * one of its buffers. A request that waits for a buffer's fence re-checks the buffer's fences when
 * the buffer is unlocked, so it follows a fence replaced on the buffer, and its callback leaves the
 * replaced fence.
 */
public final class ResourceSet implements AutoCloseable {
  /*
   * Overview:
   * No global lock. Each buffer's queue of Links and its list of unlock waiters live in the
   * buffer's ResourceQueue, guarded by that queue's own leaf lock (see ResourceQueue: locks are
   * taken in increasing id order when a request is placed on several buffers, one at a time
   * otherwise, and no foreign code ever runs under them). Requests on disjoint buffers touch
   * disjoint queues and never contend.
   *
   * States ("state", volatile, changed only by CAS):
   *   QUEUED   - links placed; not every link proceeds yet ("blocked" > 0).
   *   READY    - every link proceeds; the install step is pending or in progress.
   *   GRANTED  - the fence was installed on every buffer; the future is (being) completed.
   *   RELEASED - released, cancelled or failed. Terminal.
   * QUEUED -> READY is done by whoever brings "blocked" to zero: the placing thread (under the
   * placement's queue locks) or a thread removing a link ahead of the last blocked link (under
   * that queue's lock). READY -> GRANTED by the install step; anything -> RELEASED by release(),
   * which then removes the links one queue at a time. Removing links one by one is safe: removal
   * only ever lets links proceed, so no intermediate state grants anything the final state would
   * not, and a request placed meanwhile simply queues behind what is still there.
   *
   * Install step (outside every queue lock; serialized per set by the "installWip" counter, the
   * classic work-in-progress loop, so only one thread installs a given set at a time):
   *   0. If the set waits for a fence F of buffer b that is still pending and still on b, there is
   *      nothing to do (a spurious retry): re-register as b's unlock waiter and stop.
   *   1. tryLock every buffer's WwMutex. If one is busy, register as that buffer's unlock waiter
   *      and re-check that it is still locked (Dekker against the unlock hook).
   *   2. Ask every buffer for the fences the access must follow (may run fence hooks). If one is
   *      pending, unlock and register a callback on it, and an unlock waiter on its buffer (so
   *      that replacing the fence on the buffer makes the set re-check and move its callback).
   *   3. Otherwise reserve a slot on every buffer, then add the fence on every buffer (hooks run
   *      in the first phase first, so a hook that throws usually throws before any change),
   *      unlock, and move READY -> GRANTED.
   *   A hook that throws in any step fails the request: the future completes exceptionally with
   *   that exception and the set is released (its fence, if added anywhere, is signaled).
   * The future is completed after every buffer lock is released, and every install runs inside
   * Trampoline, so fence callbacks that a hook fires while we hold buffer locks (a peek that
   * signals) are deferred until we released them.
   *
   * Where grants run (no user code inside unlock()): the buffer unlock hook only collects the
   * READY unlock waiters and hands them to GrantThreads (a cached pool of daemon threads); a
   * release, a fence signal or the acquiring call run installs inline in their thread, through
   * Trampoline so that cascades of callbacks use constant stack depth; a grant whose future was
   * handed out completes on GrantThreads instead if that thread is inside a ww transaction
   * (WwAcquireContext's per-thread count of contexts holding locks).
   *
   * Shared writes: an acquire + release on buffers no other thread uses writes only the set's own
   * objects and the per-buffer state of its buffers (queue lock and list, WwMutex owner, the
   * reservation object's snapshot); nothing global. The set's arrays of buffers, access modes and
   * lock order come from its Request's Plan, shared and never written; its fence's context id
   * comes from the thread's own block of ids (FenceContexts).
   *
   * Fence callbacks: at most one registered per set at a time ("waiting": null, a Wait, or DEAD
   * once granted or released). Registering a new one removes the previous one; the grant and the
   * release swap in DEAD and remove the current one; a registration that loses to DEAD removes
   * its own callback.
   */

  private static final int QUEUED = 0;
  private static final int READY = 1;
  private static final int GRANTED = 2;
  private static final int RELEASED = 3;

  // Results of one install attempt.
  private static final int INSTALLED = 0;
  private static final int WAITING = 1;
  private static final int RETRY = 2;
  private static final int DROPPED = 3;

  /** The value of "waiting" once the set is granted or released: no callback may stay. */
  private static final Object DEAD = new Object();

  private static final VarHandle STATE;
  private static final VarHandle WAITING_ON;
  private static final VarHandle INSTALL_WIP;
  private static final VarHandle BLOCKED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      STATE = l.findVarHandle(ResourceSet.class, "state", int.class);
      WAITING_ON = l.findVarHandle(ResourceSet.class, "waiting", Object.class);
      INSTALL_WIP = l.findVarHandle(ResourceSet.class, "installWip", int.class);
      BLOCKED = l.findVarHandle(ResourceSet.class, "blocked", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A request's place in one buffer's queue. Identity equality. */
  static final class Link {
    final ResourceSet set;
    final ResourceQueue queue;
    final boolean exclusive;
    boolean proceeding; // guarded by queue.lock

    Link(ResourceSet set, ResourceQueue queue, boolean exclusive) {
      this.set = set;
      this.queue = queue;
      this.exclusive = exclusive;
    }
  }

  /** One registration of the set's callback on a fence of one of its buffers. */
  private static final class Wait {
    final Fence fence;
    final int buffer; // index into buffers
    final FenceCallback callback;

    Wait(Fence fence, int buffer, FenceCallback callback) {
      this.fence = fence;
      this.buffer = buffer;
      this.callback = callback;
    }
  }

  // buffers, exclusive and lockOrder belong to the request's Plan: shared, never written.
  private final ReservationObject[] buffers; // distinct, in request order
  private final boolean[] exclusive; // parallel to buffers
  private final int[] lockOrder; // indexes into links, by increasing queue id
  private final Link[] links; // parallel to buffers
  private final SetFence fence = new SetFence();
  private final GrantFuture future;

  @SuppressWarnings("UnusedVariable") // read and written through INSTALL_WIP
  private volatile int installWip; // the work-in-progress counter of installs

  @SuppressWarnings("UnusedVariable") // read and written through BLOCKED
  private volatile int blocked; // links that do not proceed yet

  private volatile int state = QUEUED;
  private volatile @Nullable Object waiting; // null, a Wait, or DEAD
  private boolean registered; // touched by the installing thread only (installWip)
  private volatile boolean handedOut; // acquireAsync returned the future to the caller

  private ResourceSet(Plan plan) {
    this.buffers = plan.buffers;
    this.exclusive = plan.exclusive;
    this.lockOrder = plan.lockOrder;
    this.links = new Link[buffers.length];
    for (int i = 0; i < links.length; i++) {
      links[i] = new Link(this, plan.queues[i], exclusive[i]);
    }
    this.future = new GrantFuture(this);
  }

  /**
   * A request's buffers, frozen for acquiring: built once per change of the request and shared by
   * every set acquired from it (read-only after construction, published to other threads through
   * the sets' final fields), so an acquire allocates only the set's own objects.
   */
  private static final class Plan {
    final ReservationObject[] buffers; // distinct, in request order
    final boolean[] exclusive; // parallel to buffers
    final ResourceQueue[] queues; // parallel to buffers
    final int[] lockOrder; // indexes by increasing queue id

    Plan(Map<ReservationObject, Boolean> wanted) {
      int n = wanted.size();
      buffers = new ReservationObject[n];
      exclusive = new boolean[n];
      queues = new ResourceQueue[n];
      lockOrder = new int[n];
      int i = 0;
      for (Map.Entry<ReservationObject, Boolean> e : wanted.entrySet()) {
        buffers[i] = e.getKey();
        exclusive[i] = e.getValue();
        queues[i] = buffers[i].resourceQueue();
        // insertion sort by id: requests name few buffers
        int j = i;
        while (j > 0 && queues[lockOrder[j - 1]].id > queues[i].id) {
          lockOrder[j] = lockOrder[j - 1];
          j--;
        }
        lockOrder[j] = i;
        i++;
      }
    }
  }

  /**
   * Starts a request; name the buffers with {@link Request#exclusive(ReservationObject...)} and
   * {@link Request#shared(ReservationObject...)}, then acquire.
   *
   * @return a new, empty request builder
   */
  public static Request request() {
    return new Request();
  }

  /**
   * Releases the set: if it was granted, its buffers become available to the next requests; if it
   * was not granted yet, its request is cancelled as if it had never been made (and its future, if
   * still pending, is cancelled). Signals the set's fence. Idempotent and thread-safe: only the
   * first call (or cancellation) has an effect. May grant other sets, running their callbacks, in
   * the calling thread.
   */
  public void release() {
    int previous;
    do {
      previous = state;
      if (previous == RELEASED) {
        return;
      }
    } while (!STATE.compareAndSet(this, previous, RELEASED));
    Object w = WAITING_ON.getAndSet(this, DEAD);
    List<ResourceSet> promoted = null; // allocated only when a removal promotes a set
    for (Link link : links) {
      ResourceQueue q = link.queue;
      q.lock.lock();
      try {
        promoted = q.remove(link, promoted);
      } finally {
        q.lock.unlock();
      }
    }
    if (w instanceof Wait) {
      Wait wt = (Wait) w;
      wt.fence.removeCallback(wt.callback);
    }
    fence.signal();
    if (previous != GRANTED) {
      future.cancel(false); // no-op if the future is already done (e.g. this is its cancel)
    }
    if (promoted != null) {
      List<ResourceSet> all = promoted;
      Trampoline.run(
          () -> {
            for (ResourceSet r : all) {
              r.scheduleInstall();
            }
          });
    }
  }

  /** Same as {@link #release()}, for try-with-resources. */
  @Override
  public void close() {
    release();
  }

  /**
   * Tells whether the set is granted: true from the grant until the release.
   *
   * @return whether the set is granted and not released
   */
  public boolean isGranted() {
    return state == GRANTED;
  }

  /**
   * Returns the set's own fence: added to each buffer when the set is granted (WRITE usage on its
   * exclusive buffers, READ on its shared ones) and signaled when the set is released or cancelled.
   * Each set's fence has its own context.
   *
   * @return the set's fence
   */
  public Fence fence() {
    return fence;
  }

  /**
   * Returns a debug string: state and number of exclusive and shared buffers.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    int ex = 0;
    for (boolean e : exclusive) {
      if (e) {
        ex++;
      }
    }
    String[] names = {"queued", "ready", "granted", "released"};
    return "ResourceSet@"
        + Integer.toHexString(System.identityHashCode(this))
        + "["
        + names[state]
        + ", exclusive="
        + ex
        + ", shared="
        + (exclusive.length - ex)
        + "]";
  }

  /**
   * Names what keeps this (not yet granted) set from being granted, per buffer: the sets queued
   * ahead of it that it may not run beside, else the buffer's pending fences it must follow, else
   * the buffer's lock holder. For timeout messages; never runs a fence hook or callback.
   */
  String blockers() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < buffers.length; i++) {
      ReservationObject buffer = buffers[i];
      String why = blockerOf(buffer, links[i], exclusive[i]);
      if (why != null) {
        sb.append(sb.length() == 0 ? "" : "; ").append(buffer.name()).append(": ").append(why);
      }
    }
    return sb.length() == 0 ? "nothing any more (granted or cancelled meanwhile)" : sb.toString();
  }

  private static @Nullable String blockerOf(ReservationObject buffer, Link link, boolean ex) {
    List<ResourceSet> ahead = link.queue.blockersOf(link);
    if (!ahead.isEmpty()) {
      StringBuilder sb = new StringBuilder("queued behind ");
      for (int k = 0; k < ahead.size() && k < 3; k++) {
        sb.append(k == 0 ? "" : ", ").append(ahead.get(k));
      }
      if (ahead.size() > 3) {
        sb.append(" and ").append(ahead.size() - 3).append(" more");
      }
      return sb.toString();
    }
    Diagnostics.Access access = Diagnostics.access();
    for (Fence f : buffer.storedFences(ReservationObject.Usage.forAccess(ex))) {
      if (!access.isSignaledFlag(f)) {
        return "waits for fence " + Diagnostics.describe(f);
      }
    }
    if (buffer.isLocked()) {
      return "lock held (" + buffer + ")";
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Queueing

  private void lockQueues() {
    for (int i : lockOrder) {
      links[i].queue.lock.lock();
    }
  }

  private void unlockQueues() {
    for (int k = lockOrder.length - 1; k >= 0; k--) {
      links[lockOrder[k]].queue.lock.unlock();
    }
  }

  /** Appends the links to their queues (every queue locked); returns whether the set is READY. */
  private boolean placeLocked() {
    int notYet = 0;
    for (Link link : links) {
      if (!link.queue.append(link)) {
        notYet++;
      }
    }
    blocked = notYet; // before any queue is unlocked: nobody else can count our links yet
    return notYet == 0 && STATE.compareAndSet(this, QUEUED, READY);
  }

  /**
   * Called under a queue's lock when one of this set's links starts to proceed; returns whether
   * that promoted the set to READY (the caller then schedules its install).
   */
  boolean linkProceeds() {
    return (int) BLOCKED.getAndAdd(this, -1) == 1 && STATE.compareAndSet(this, QUEUED, READY);
  }

  // ---------------------------------------------------------------------------------------------
  // Submission and install

  private void submitAsync() {
    boolean ready;
    lockQueues();
    try {
      ready = placeLocked();
    } finally {
      unlockQueues();
    }
    if (ready) {
      Trampoline.runInstall(this);
    }
  }

  /** tryAcquire: grant now, or leave no trace, whatever throws. */
  private boolean tryGrantNow() {
    lockQueues();
    try {
      for (Link link : links) {
        if (!link.queue.wouldProceed(link.exclusive)) {
          return false; // nothing was placed
        }
      }
      if (!placeLocked()) {
        throw new AssertionError("request should have proceeded");
      }
    } finally {
      unlockQueues();
    }
    // Nobody else knows this set, so nobody else installs it concurrently. Inside the trampoline,
    // so that callbacks fired while we hold buffer locks run only after we released them.
    return Trampoline.call(
        () -> {
          boolean granted = false;
          try {
            granted = installOnce(false) == INSTALLED && markGranted();
          } finally {
            if (!granted) {
              release(); // as if never made, also when a fence hook threw
            }
          }
          if (granted) {
            future.grant();
          }
          return granted;
        });
  }

  /** Runs install attempts until one cannot make progress; one thread at a time per set. */
  void scheduleInstall() {
    if ((int) INSTALL_WIP.getAndAdd(this, 1) != 0) {
      return; // the running attempt loops once more
    }
    int missed = 1;
    for (; ; ) {
      installLoop();
      missed = (int) INSTALL_WIP.getAndAdd(this, -missed) - missed;
      if (missed == 0) {
        return;
      }
    }
  }

  private void installLoop() {
    int result;
    try {
      do {
        result = installOnce(true);
      } while (result == RETRY);
    } catch (RuntimeException | Error e) {
      fail(e);
      return;
    }
    if (result == INSTALLED) {
      if (markGranted()) {
        completeGrant();
      } else {
        fence.signal(); // released while we installed: make sure nobody waits for us
      }
    }
  }

  /**
   * Completes the future, running its dependents here, unless this thread is inside a ww
   * transaction (it holds locks through an acquire context, e.g. between {@link
   * ReservationLocks#lockAll} and {@link LockedReservations#close()}) and the future was handed
   * out: then a grant thread completes it, so user code never runs while such locks are held. A
   * future not handed out yet (the acquiring call itself, or a blocking acquire's) has no user
   * dependents.
   */
  private void completeGrant() {
    if (handedOut && WwAcquireContext.transactionOnCurrentThread() != null) {
      GrantThreads.execute(future::grant);
    } else {
      future.grant();
    }
  }

  /** A fence hook threw while installing: the request fails instead of staying queued. */
  private void fail(Throwable e) {
    future.completeExceptionally(e); // its safety net releases the set
    release();
  }

  /** One attempt of the install step described in the overview. */
  private int installOnce(boolean mayWait) {
    if (state != READY) {
      return DROPPED;
    }
    if (mayWait && stillWaiting()) {
      return WAITING;
    }
    int locked = 0;
    Fence pending = null;
    int pendingBuffer = -1;
    int result;
    try {
      for (; locked < buffers.length; locked++) {
        if (!buffers[locked].mutex().tryLock()) {
          break;
        }
      }
      if (locked < buffers.length) {
        if (!mayWait) {
          result = WAITING; // tryAcquire: busy means no
        } else {
          result = waitForUnlock(locked) ? WAITING : RETRY;
        }
      } else {
        for (int i = 0; i < buffers.length; i++) {
          pending = buffers[i].firstUnsignaled(Usage.forAccess(exclusive[i]));
          if (pending != null) {
            pendingBuffer = i;
            break;
          }
        }
        if (pending == null) {
          for (ReservationObject b : buffers) {
            b.reserveFences(1);
          }
          if (registered) {
            forgetUnlockWaits(); // our own unlocks below need not wake us
          }
          for (int i = 0; i < buffers.length; i++) {
            buffers[i].addFence(fence, exclusive[i] ? Usage.WRITE : Usage.READ);
          }
          result = INSTALLED;
        } else {
          result = WAITING;
        }
      }
    } finally {
      for (int i = locked - 1; i >= 0; i--) {
        buffers[i].mutex().unlock();
      }
    }
    if (pending != null && mayWait && !waitForFence(pending, pendingBuffer)) {
      result = RETRY; // it signaled meanwhile
    }
    return result;
  }

  /**
   * Step 0: whether the set still waits for a pending fence that is still on its buffer (then a
   * retry has nothing to do). Re-registers for the buffer's next unlock first, so that a change
   * made after this check is seen.
   */
  private boolean stillWaiting() {
    Object w = waiting;
    if (!(w instanceof Wait)) {
      return false;
    }
    Wait wt = (Wait) w;
    registerUnlockWait(wt.buffer);
    int b = wt.buffer;
    return !wt.fence.isSignaled()
        && buffers[b].fences(Usage.forAccess(exclusive[b])).contains(wt.fence);
  }

  private void registerUnlockWait(int buffer) {
    registered = true;
    links[buffer].queue.addUnlockWaiter(this);
  }

  private void forgetUnlockWaits() {
    registered = false;
    for (Link link : links) {
      link.queue.removeUnlockWaiter(this);
    }
  }

  /**
   * Registers for a retry when buffer {@code index} is unlocked; returns {@code true} if the caller
   * should wait for that, {@code false} if the buffer is already unlocked (retry now).
   */
  private boolean waitForUnlock(int index) {
    registerUnlockWait(index);
    return buffers[index].mutex().isLocked();
  }

  /**
   * Registers for a retry when {@code dependency} (a fence of buffer {@code index}) signals, and
   * when that buffer is next unlocked (its fences may have changed); moves the set's callback from
   * the fence it waited for before, if any. Returns {@code true} if registered (or nothing to wait
   * for any more), {@code false} if the fence already signaled (retry now).
   */
  private boolean waitForFence(Fence dependency, int index) {
    FenceCallback callback = f -> Trampoline.runInstall(this);
    Wait w = new Wait(dependency, index, callback);
    Object previous = waiting;
    if (previous == DEAD || !WAITING_ON.compareAndSet(this, previous, w)) {
      return true; // granted or released meanwhile (only those race with us)
    }
    if (previous instanceof Wait) {
      Wait old = (Wait) previous;
      old.fence.removeCallback(old.callback); // one callback per set at a time
    }
    registerUnlockWait(index);
    if (!dependency.addCallback(callback)) {
      WAITING_ON.compareAndSet(this, w, null);
      return false;
    }
    if (waiting != w) {
      dependency.removeCallback(callback); // released meanwhile: it no longer matters
    }
    return true;
  }

  private boolean markGranted() {
    if (!STATE.compareAndSet(this, READY, GRANTED)) {
      return false;
    }
    Object w = WAITING_ON.getAndSet(this, DEAD);
    if (w instanceof Wait) {
      Wait wt = (Wait) w;
      wt.fence.removeCallback(wt.callback);
    }
    return true;
  }

  /**
   * Called by a buffer's unlock hook once the buffer's lock is free, maybe inside {@code unlock()}
   * of a thread that holds other locks: never runs an install or a grant here, only hands the READY
   * waiters to the grant threads.
   */
  static void afterBufferUnlock(ResourceQueue queue) {
    List<ResourceSet> taken = queue.takeUnlockWaiters();
    if (taken.isEmpty()) {
      return;
    }
    List<ResourceSet> ready = new ArrayList<>(taken.size());
    for (ResourceSet s : taken) {
      if (s.state == READY) {
        ready.add(s);
      }
    }
    if (!ready.isEmpty()) {
      GrantThreads.execute(
          () ->
              Trampoline.run(
                  () -> {
                    for (ResourceSet s : ready) {
                      s.scheduleInstall();
                    }
                  }));
    }
  }

  /** The set behind a future returned by acquireAsync (for tests). */
  static ResourceSet setOfForTest(CompletableFuture<ResourceSet> future) {
    return ((GrantFuture) future).set;
  }

  /** The fence this set's callback is registered on, or null (for tests). */
  @Nullable Fence waitedFenceForTest() {
    Object w = waiting;
    return w instanceof Wait ? ((Wait) w).fence : null;
  }

  /**
   * The threads that run installs (and so grant callbacks) handed over by a buffer's unlock hook: a
   * cached pool of daemon threads, so a callback that blocks never holds up other grants.
   */
  private static final class GrantThreads {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadPoolExecutor POOL =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "fence4j-resource-set-grant-" + COUNT.incrementAndGet());
              t.setDaemon(true);
              return t;
            });

    static void execute(Runnable task) {
      POOL.execute(task);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * A request under construction: the buffers and their access modes. Not thread-safe; each acquire
   * call takes a snapshot of the buffers named so far, so one request may be acquired several times
   * (each time a new, independent set).
   */
  public static final class Request {
    private final Map<ReservationObject, Boolean> wanted = new LinkedHashMap<>();
    private @Nullable Plan plan; // the buffers named so far, frozen; null after a change

    private Request() {}

    /**
     * Adds buffers to be accessed exclusively. A buffer named several times, or named both here and
     * in {@link #shared(ReservationObject...)}, is requested once, exclusively.
     *
     * @param buffers the buffers
     * @return this request
     * @throws NullPointerException if {@code buffers} or one of its elements is null (nothing is
     *     added then)
     */
    public Request exclusive(ReservationObject... buffers) {
      checkBuffers(buffers);
      plan = null;
      for (ReservationObject b : buffers) {
        wanted.put(b, Boolean.TRUE);
      }
      return this;
    }

    /**
     * Adds buffers to be accessed shared. A buffer also named in {@link
     * #exclusive(ReservationObject...)} (before or after) is requested exclusively.
     *
     * @param buffers the buffers
     * @return this request
     * @throws NullPointerException if {@code buffers} or one of its elements is null (nothing is
     *     added then)
     */
    public Request shared(ReservationObject... buffers) {
      checkBuffers(buffers);
      plan = null;
      for (ReservationObject b : buffers) {
        wanted.putIfAbsent(b, Boolean.FALSE);
      }
      return this;
    }

    /**
     * Queues the request (before returning) and returns a future that completes with the granted
     * set. If everything is available, the future is already complete when this returns, and its
     * callbacks have run in this thread. The future completes exceptionally on its own only when a
     * fence hook throws during the grant (see the class comment); cancelling it (or completing it
     * any other way) before the grant cancels the request exactly as {@link ResourceSet#release()}
     * would. Futures derived from it (with {@code thenApply} and the like) are plain {@link
     * CompletableFuture}s: cancelling those does not cancel the request.
     *
     * @return the future of the grant
     * @throws IllegalStateException if the request names no buffer
     */
    public CompletableFuture<ResourceSet> acquireAsync() {
      ResourceSet set = build();
      set.future.armSafetyNet(); // the caller may complete it any way: each releases the set
      set.submitAsync();
      set.handedOut = true;
      return set.future;
    }

    /**
     * Queues the request and waits for the grant. On timeout or interrupt the request is cancelled
     * as if it had never been made (unless it was granted in the meantime: then a timeout returns
     * the set, and an interrupt releases it). A zero timeout grants only what is available at once.
     *
     * @param timeout the maximum time to wait, not negative
     * @return the granted set
     * @throws TimeoutException if not granted in time; the request was cancelled
     * @throws InterruptedException if interrupted before or while waiting; the request was
     *     cancelled
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the request names no buffer
     * @throws NullPointerException if {@code timeout} is null
     * @throws RuntimeException whatever a fence hook threw during the grant; the request was
     *     cancelled
     */
    public ResourceSet acquire(Duration timeout) throws TimeoutException, InterruptedException {
      return acquireNanos(Timeouts.toNanos(timeout), timeout, 0L, null);
    }

    /**
     * Waits like {@link #acquire(Duration)}; the {@code Duration} form should be preferred.
     *
     * @param timeout the maximum time to wait, not negative
     * @param unit the unit of {@code timeout}
     * @return the granted set
     * @throws TimeoutException if not granted in time; the request was cancelled
     * @throws InterruptedException if interrupted before or while waiting; the request was
     *     cancelled
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException if the request names no buffer
     * @throws NullPointerException if {@code unit} is null
     * @throws RuntimeException whatever a fence hook threw during the grant; the request was
     *     cancelled
     */
    public ResourceSet acquire(long timeout, TimeUnit unit)
        throws TimeoutException, InterruptedException {
      return acquireNanos(Timeouts.toNanos(timeout, unit), null, timeout, unit);
    }

    /**
     * Grants the request now, or does nothing: the set is returned only if every buffer is free for
     * this access (nothing queued ahead that it may not run beside, no pending fence it must
     * follow, and no buffer lock held by anyone at this instant). A failed attempt leaves no trace.
     *
     * @return the granted set, or empty
     * @throws IllegalStateException if the request names no buffer
     * @throws RuntimeException whatever a fence hook threw while checking; nothing is left queued
     */
    public Optional<ResourceSet> tryAcquire() {
      ResourceSet set = build();
      return set.tryGrantNow() ? Optional.of(set) : Optional.empty();
    }

    /**
     * Returns a debug string listing the requested access per buffer.
     *
     * @return a debug string
     */
    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("ResourceSet.Request[");
      boolean first = true;
      for (Map.Entry<ReservationObject, Boolean> e : wanted.entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        sb.append(e.getValue() ? "exclusive " : "shared ").append(e.getKey());
      }
      return sb.append(']').toString();
    }

    /**
     * The blocking acquire; the timeout as given ({@code duration}, or {@code amount} and {@code
     * unit}) is only formatted for a timeout's message, so a granted acquire allocates no string.
     */
    private ResourceSet acquireNanos(
        long nanos, @Nullable Duration duration, long amount, @Nullable TimeUnit unit)
        throws TimeoutException, InterruptedException {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      ResourceSet set = build();
      set.submitAsync();
      Trampoline.helpDrain(); // never block on work this thread deferred
      Object event = set.future.isDone() || nanos == 0L ? null : ReservationEvents.beginSetWait();
      try {
        return set.future.get(nanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        String blockers = set.blockers(); // while the request is still queued
        if (set.future.cancel(false)) {
          set.release(); // this future was never handed out: its cancel releases nothing itself
          throw new TimeoutException(
              "Waited "
                  + (duration != null ? duration.toString() : amount + " " + unit)
                  + " for "
                  + this
                  + "; blocked by "
                  + blockers
                  + "; the request was cancelled");
        }
        return set; // granted at the last moment
      } catch (InterruptedException e) {
        set.future.cancel(false);
        set.release(); // cancelled, or granted at the last moment but the caller will not get it
        throw e;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause(); // a fence hook threw during the grant: request released
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw new IllegalStateException("resource set grant failed", cause);
      } finally {
        ReservationEvents.endSetWait(event, this);
      }
    }

    private ResourceSet build() {
      if (wanted.isEmpty()) {
        throw new IllegalStateException(
            "the request names no buffer: call exclusive(...) or shared(...) first");
      }
      Plan p = plan;
      if (p == null) {
        p = new Plan(wanted);
        plan = p;
      }
      return new ResourceSet(p);
    }

    private static void checkBuffers(ReservationObject[] buffers) {
      Objects.requireNonNull(buffers, "buffers");
      for (int i = 0; i < buffers.length; i++) {
        if (buffers[i] == null) { // message built only on failure
          throw new NullPointerException("buffers[" + i + "]");
        }
      }
    }
  }

  /** The future handed out by acquireAsync: any completion but the grant releases the set. */
  private static final class GrantFuture extends CompletableFuture<ResourceSet> {
    private final ResourceSet set;

    GrantFuture(ResourceSet set) {
      this.set = set;
    }

    /**
     * Before the future is handed out: a safety net for every completion path its holder may take
     * (cancel, completeExceptionally, complete(x), orTimeout, completeAsync...), which runs in the
     * completing thread before it returns. A future that stays inside the library (a blocking
     * acquire's, a tryAcquire's) goes without it: the library releases the set itself wherever it
     * completes such a future otherwise than by the grant.
     */
    void armSafetyNet() {
      CompletableFuture<ResourceSet> unused =
          whenComplete(
              (value, failure) -> {
                if (failure != null || value != set) {
                  set.release();
                }
              });
    }

    void grant() {
      complete(set);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
      return new CompletableFuture<>();
    }

    /**
     * Forces the value like any {@code CompletableFuture}; like every other completion but the
     * grant, a value other than the set itself releases the set (the safety net above fires only
     * for the first completion, so obtruding releases explicitly).
     */
    @Override
    public void obtrudeValue(ResourceSet value) {
      if (value != set) {
        set.release();
      }
      super.obtrudeValue(value);
    }

    /** Forces an exceptional outcome, releasing the set first. */
    @Override
    public void obtrudeException(Throwable ex) {
      Objects.requireNonNull(ex, "ex");
      set.release();
      super.obtrudeException(ex);
    }
  }

  /** The set's own fence: a fresh context per set, so same-context replacement never merges two. */
  private static final class SetFence extends Fence {
    SetFence() {
      super(FenceContexts.allocate(1), 1);
    }

    @Override
    public String driverName() {
      return "fence4j-reservation";
    }

    @Override
    public String timelineName() {
      return "resource-set";
    }
  }
}
