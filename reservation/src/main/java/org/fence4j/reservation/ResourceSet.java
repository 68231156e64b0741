package org.fence4j.reservation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContexts;
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
 * release this set or others. The grant runs in the thread that made it possible: the acquiring
 * thread if everything is free (then the future is complete before {@code acquireAsync()} returns),
 * otherwise the thread that releases a set, signals a fence the request waited for, or unlocks a
 * buffer. Grants triggered from inside a grant callback run after that callback returns, so
 * cascades use constant stack depth; do not block inside a grant callback waiting for another
 * future of this class.
 *
 * <p><b>Buffer locks.</b> Installing the set's fence needs each buffer's lock for a moment (taken
 * with {@link WwMutex#tryLock()}, never waited for): a thread that holds a buffer's lock delays
 * grants on that buffer until it unlocks it, so do not wait for a grant while holding the lock of
 * one of its buffers.
 */
public final class ResourceSet implements AutoCloseable {
  /*
   * Overview:
   * Bookkeeping (the per-buffer queues of Links, each set's state, the lists of sets waiting for
   * a buffer's unlock, the fence a set waits on) is guarded by one global ReentrantLock, LOCK, as
   * in KDS. LOCK is a leaf: while holding it we never call foreign code (no fence methods, no
   * future completion, no buffer lock), so no cycle can involve it.
   *
   * States (volatile "state", written under LOCK):
   *   QUEUED   - links placed; not every link may proceed yet.
   *   READY    - every link may proceed; the install step is pending or in progress.
   *   GRANTED  - the fence was installed on every buffer and the future completed.
   *   RELEASED - released or cancelled; links removed; fence signaled. Terminal.
   * A link "may proceed" when it is first in its buffer's queue, or when it and every link ahead
   * of it are shared. Links only leave queues, and new links are only appended, so a link that may
   * proceed keeps that status: promotion QUEUED -> READY is re-evaluated only when links leave
   * (release / cancel), for the sets queued on the buffers that the leaving set named.
   *
   * Install step (outside LOCK; serialized per set by the "installWip" counter, the classic
   * work-in-progress loop, so only one thread installs a given set at a time):
   *   1. tryLock every buffer's WwMutex. If one is busy, register with that buffer (under LOCK)
   *      and re-check that it is still locked; its unlock hook re-schedules us. (Registration then
   *      re-check, against unlock then read-of-the-flag: one of the two sides sees the other.)
   *   2. If a fence our access must follow is pending on any buffer, unlock and register a
   *      callback on that fence; its signal re-schedules us (then every buffer is checked again).
   *   3. Otherwise reserve a slot and add our fence on every buffer, unlock, and move
   *      READY -> GRANTED under LOCK. If the set was released meanwhile, its fence is (or will be)
   *      signaled, so having installed it is harmless.
   * The future is completed after every lock is released.
   *
   * All follow-up work (installs scheduled by releases, unlock hooks and fence callbacks) goes
   * through Trampoline, so cascades of grant callbacks that release sets run iteratively.
   */

  /** Guards every queue and state transition of every resource set; a leaf lock. */
  static final ReentrantLock LOCK = new ReentrantLock();

  private static final int QUEUED = 0;
  private static final int READY = 1;
  private static final int GRANTED = 2;
  private static final int RELEASED = 3;

  // Results of one install attempt.
  private static final int INSTALLED = 0;
  private static final int WAITING = 1;
  private static final int RETRY = 2;
  private static final int DROPPED = 3;

  /** A request's place in one buffer's queue. Identity equality. */
  static final class Link {
    final ResourceSet set;
    final ReservationObject buffer;
    final boolean exclusive;

    Link(ResourceSet set, ReservationObject buffer, boolean exclusive) {
      this.set = set;
      this.buffer = buffer;
      this.exclusive = exclusive;
    }
  }

  private final ReservationObject[] buffers; // distinct, in request order
  private final boolean[] exclusive; // parallel to buffers
  private final Link[] links; // parallel to buffers
  private final SetFence fence = new SetFence();
  private final GrantFuture future;
  private final AtomicInteger installWip = new AtomicInteger();
  private volatile int state = QUEUED; // written under LOCK
  private @Nullable Fence waitedFence; // guarded by LOCK
  private @Nullable FenceCallback waitedCallback; // guarded by LOCK

  private ResourceSet(Map<ReservationObject, Boolean> wanted) {
    int n = wanted.size();
    this.buffers = new ReservationObject[n];
    this.exclusive = new boolean[n];
    this.links = new Link[n];
    int i = 0;
    for (Map.Entry<ReservationObject, Boolean> e : wanted.entrySet()) {
      buffers[i] = e.getKey();
      exclusive[i] = e.getValue();
      links[i] = new Link(this, buffers[i], exclusive[i]);
      i++;
    }
    this.future = new GrantFuture(this);
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
    Fence waited;
    FenceCallback callback;
    List<ResourceSet> ready;
    LOCK.lock();
    try {
      previous = state;
      if (previous == RELEASED) {
        return;
      }
      state = RELEASED;
      waited = waitedFence;
      callback = waitedCallback;
      waitedFence = null;
      waitedCallback = null;
      for (Link link : links) {
        ReservationObject b = link.buffer;
        ArrayList<Link> queue = b.rsQueue;
        if (queue != null) {
          queue.remove(link);
          if (queue.isEmpty()) {
            b.rsQueue = null;
          }
        }
        ArrayList<ResourceSet> unlockWaiters = b.rsUnlockWaiterList;
        if (unlockWaiters != null) {
          unlockWaiters.remove(this);
        }
      }
      ready = promoteLocked();
    } finally {
      LOCK.unlock();
    }
    if (waited != null && callback != null) {
      waited.removeCallback(callback);
    }
    fence.signal();
    if (previous != GRANTED) {
      future.cancel(false); // no-op if the future is already done (e.g. this is its cancel)
    }
    if (!ready.isEmpty()) {
      Trampoline.run(
          () -> {
            for (ResourceSet r : ready) {
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

  // ---------------------------------------------------------------------------------------------
  // Queueing (under LOCK)

  /** Appends the links to their queues; returns whether the set may proceed at once. */
  private boolean enqueueLocked() {
    for (Link link : links) {
      ArrayList<Link> queue = link.buffer.rsQueue;
      if (queue == null) {
        queue = new ArrayList<>(4);
        link.buffer.rsQueue = queue;
      }
      queue.add(link);
    }
    if (allMayProceedLocked()) {
      state = READY;
      return true;
    }
    return false;
  }

  private boolean allMayProceedLocked() {
    for (Link link : links) {
      if (!mayProceedLocked(link)) {
        return false;
      }
    }
    return true;
  }

  private static boolean mayProceedLocked(Link link) {
    ArrayList<Link> queue = link.buffer.rsQueue;
    if (queue != null) {
      for (Link ahead : queue) {
        if (ahead == link) {
          return true;
        }
        if (ahead.exclusive || link.exclusive) {
          return false;
        }
      }
    }
    throw new AssertionError("link not in its queue");
  }

  /** Whether a new link would proceed at once on {@code buffer}, without placing it. */
  private static boolean wouldProceedLocked(ReservationObject buffer, boolean exclusive) {
    ArrayList<Link> queue = buffer.rsQueue;
    if (queue == null || queue.isEmpty()) {
      return true;
    }
    if (exclusive) {
      return false;
    }
    for (Link ahead : queue) {
      if (ahead.exclusive) {
        return false;
      }
    }
    return true;
  }

  /** After this set's links left: promotes the queued sets that may now proceed. */
  private List<ResourceSet> promoteLocked() {
    List<ResourceSet> ready = new ArrayList<>();
    for (Link gone : links) {
      ArrayList<Link> queue = gone.buffer.rsQueue;
      if (queue == null) {
        continue;
      }
      // Only the links that may proceed on this buffer (a prefix of its queue) can change state.
      for (int i = 0; i < queue.size(); i++) {
        Link link = queue.get(i);
        if (i > 0 && (link.exclusive || queue.get(0).exclusive)) {
          break;
        }
        ResourceSet s = link.set;
        if (s.state == QUEUED && s.allMayProceedLocked()) {
          s.state = READY;
          ready.add(s);
        }
      }
    }
    return ready;
  }

  // ---------------------------------------------------------------------------------------------
  // Submission and install

  private void submitAsync() {
    boolean ready;
    LOCK.lock();
    try {
      ready = enqueueLocked();
    } finally {
      LOCK.unlock();
    }
    if (ready) {
      Trampoline.run(this::scheduleInstall);
    }
  }

  /** tryAcquire: grant now, or leave no trace. */
  private boolean tryGrantNow() {
    LOCK.lock();
    try {
      for (int i = 0; i < buffers.length; i++) {
        if (!wouldProceedLocked(buffers[i], exclusive[i])) {
          return false; // nothing was placed
        }
      }
      if (!enqueueLocked()) {
        throw new AssertionError("request should have proceeded");
      }
    } finally {
      LOCK.unlock();
    }
    // Nobody else knows this set, so nobody else installs it concurrently.
    if (installOnce(false) == INSTALLED && markGranted()) {
      future.grant();
      return true;
    }
    release(); // as if never made
    return false;
  }

  /** Runs install attempts until one cannot make progress; one thread at a time per set. */
  private void scheduleInstall() {
    if (installWip.getAndIncrement() != 0) {
      return; // the running attempt loops once more
    }
    int missed = 1;
    for (; ; ) {
      installLoop();
      missed = installWip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private void installLoop() {
    for (; ; ) {
      int result = installOnce(true);
      if (result == INSTALLED) {
        if (markGranted()) {
          future.grant();
        } else {
          fence.signal(); // released while we installed: make sure nobody waits for us
        }
        return;
      }
      if (result != RETRY) {
        return;
      }
    }
  }

  /** One attempt of the install step described in the overview. */
  private int installOnce(boolean mayWait) {
    if (state != READY) {
      return DROPPED;
    }
    int locked = 0;
    Fence pending = null;
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
          result = waitForUnlock(buffers[locked]) ? WAITING : RETRY;
        }
      } else {
        pending = firstPendingDependency();
        if (pending == null) {
          for (int i = 0; i < buffers.length; i++) {
            buffers[i].reserveFences(1);
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
    if (pending != null && mayWait && !waitForFence(pending)) {
      result = RETRY; // it signaled meanwhile
    }
    return result;
  }

  private @Nullable Fence firstPendingDependency() {
    for (int i = 0; i < buffers.length; i++) {
      List<Fence> deps = buffers[i].fences(Usage.forAccess(exclusive[i]));
      if (!deps.isEmpty()) {
        return deps.get(0);
      }
    }
    return null;
  }

  /**
   * Registers for a retry when {@code buffer} is unlocked; returns {@code true} if the caller
   * should wait for that, {@code false} if the buffer is already unlocked (retry now).
   */
  private boolean waitForUnlock(ReservationObject buffer) {
    LOCK.lock();
    try {
      if (state != READY) {
        return true; // released: nothing to wait for, and nothing to retry
      }
      ArrayList<ResourceSet> list = buffer.rsUnlockWaiterList;
      if (list == null) {
        list = new ArrayList<>(2);
        buffer.rsUnlockWaiterList = list;
      }
      if (!list.contains(this)) {
        list.add(this);
      }
      buffer.rsUnlockWaiters = true;
    } finally {
      LOCK.unlock();
    }
    return buffer.mutex().isLocked();
  }

  /**
   * Registers for a retry when {@code dependency} signals; returns {@code true} if registered,
   * {@code false} if it already signaled (retry now).
   */
  private boolean waitForFence(Fence dependency) {
    FenceCallback callback = f -> Trampoline.run(this::scheduleInstall);
    LOCK.lock();
    try {
      if (state != READY) {
        return true;
      }
      waitedFence = dependency;
      waitedCallback = callback;
    } finally {
      LOCK.unlock();
    }
    if (dependency.addCallback(callback)) {
      return true;
    }
    LOCK.lock();
    try {
      if (waitedCallback == callback) {
        waitedFence = null;
        waitedCallback = null;
      }
    } finally {
      LOCK.unlock();
    }
    return false;
  }

  private boolean markGranted() {
    LOCK.lock();
    try {
      if (state != READY) {
        return false;
      }
      state = GRANTED;
      waitedFence = null;
      waitedCallback = null;
      return true;
    } finally {
      LOCK.unlock();
    }
  }

  /** Called by a buffer's unlock hook once the buffer's lock is free. */
  static void afterBufferUnlock(ReservationObject buffer) {
    List<ResourceSet> waiting;
    LOCK.lock();
    try {
      waiting = buffer.rsUnlockWaiterList;
      buffer.rsUnlockWaiterList = null;
      buffer.rsUnlockWaiters = false;
    } finally {
      LOCK.unlock();
    }
    if (waiting != null && !waiting.isEmpty()) {
      Trampoline.run(
          () -> {
            for (ResourceSet s : waiting) {
              s.scheduleInstall();
            }
          });
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
      for (ReservationObject b : buffers) {
        wanted.putIfAbsent(b, Boolean.FALSE);
      }
      return this;
    }

    /**
     * Queues the request (before returning) and returns a future that completes with the granted
     * set. If everything is available, the future is already complete when this returns, and its
     * callbacks have run in this thread. The future never completes exceptionally on its own;
     * cancelling it (or completing it any other way) before the grant cancels the request exactly
     * as {@link ResourceSet#release()} would. Futures derived from it (with {@code thenApply} and
     * the like) are plain {@link CompletableFuture}s: cancelling those does not cancel the request.
     *
     * @return the future of the grant
     * @throws IllegalStateException if the request names no buffer
     */
    public CompletableFuture<ResourceSet> acquireAsync() {
      ResourceSet set = build();
      set.submitAsync();
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
     */
    public ResourceSet acquire(Duration timeout) throws TimeoutException, InterruptedException {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("negative timeout: " + timeout);
      }
      return acquireNanos(ReservationObject.toNanosSaturated(timeout), timeout.toString());
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
     */
    public ResourceSet acquire(long timeout, TimeUnit unit)
        throws TimeoutException, InterruptedException {
      Objects.requireNonNull(unit, "unit");
      if (timeout < 0) {
        throw new IllegalArgumentException("negative timeout: " + timeout + " " + unit);
      }
      return acquireNanos(unit.toNanos(timeout), timeout + " " + unit);
    }

    /**
     * Grants the request now, or does nothing: the set is returned only if every buffer is free for
     * this access (nothing queued ahead that it may not run beside, no pending fence it must
     * follow, and no buffer lock held by anyone at this instant). A failed attempt leaves no trace.
     *
     * @return the granted set, or empty
     * @throws IllegalStateException if the request names no buffer
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

    private ResourceSet acquireNanos(long nanos, String shown)
        throws TimeoutException, InterruptedException {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      ResourceSet set = build();
      set.submitAsync();
      Trampoline.helpDrain(); // never block on work this thread deferred
      try {
        return set.future.get(nanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        if (set.future.cancel(false)) {
          throw new TimeoutException(
              "Waited " + shown + " for " + this + "; the request was cancelled");
        }
        return set; // granted at the last moment
      } catch (InterruptedException e) {
        if (!set.future.cancel(false)) {
          set.release(); // granted at the last moment, but the caller will not get it
        }
        throw e;
      } catch (ExecutionException e) {
        throw new IllegalStateException("resource set future failed unexpectedly", e);
      }
    }

    private ResourceSet build() {
      if (wanted.isEmpty()) {
        throw new IllegalStateException(
            "the request names no buffer: call exclusive(...) or shared(...) first");
      }
      return new ResourceSet(wanted);
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
      // Safety net for every completion path (cancel, completeExceptionally, complete(x),
      // orTimeout, completeAsync...): it runs in the completing thread before it returns.
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
