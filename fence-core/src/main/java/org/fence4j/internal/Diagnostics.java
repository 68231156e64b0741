package org.fence4j.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.Fence;
import org.fence4j.StrictMode;
import org.jspecify.annotations.Nullable;

/**
 * The state behind {@code org.fence4j.debug}: the registry of tracked fences, the registry of
 * blocked waits, signaling sections, and the JFR wait events. Not API: this package is exported
 * only to the other fence4j modules.
 *
 * <p>Two entry points are called from fence4j's own code:
 *
 * <ul>
 *   <li>{@link #isOn()} / {@link #created(Fence)} from {@code Fence}'s constructor;
 *   <li>{@link #beforeWait} / {@link #afterWait} around every <em>blocking</em> wait: a wait whose
 *       timeout is above zero and whose fences were not all done at the call. Every wait kind of
 *       every module calls them just before it parks and on every way out after that.
 * </ul>
 */
public final class Diagnostics {
  /*
   * Implementation overview
   * -----------------------
   * `mode` holds both switches: the tracking mode in its low bits (OFF, ON, SITES) and the TRACING
   * bit, set while at least one FenceTrace records. Both change under MODE_LOCK (never on a hot path).
   *
   * Cost when everything is off: Fence's constructor reads the static volatile int `mode` (a plain
   * load on x86, no fence, no allocation) and does nothing else. Signal, isSignaled and addCallback
   * are untouched. The blocking path of a wait (the thread is about to park, which costs
   * microseconds) reads `mode`, the per-thread "on a signaling path" state (the Dispatcher's
   * thread-local, which that path reads anyway, and a section counter only once a section was
   * ever begun) and, once the Flight Recorder has been initialized in this JVM (a static volatile
   * read of FlightRecorder.isInitialized() until then; no event class is loaded before), asks JFR
   * whether FenceWait is enabled.
   *
   * Tracking: each fence constructed while `mode != OFF` gets a Tracked entry, a WeakReference to
   * the fence (so tracking never keeps a fence alive) with its creation time, an order number and,
   * in SITES mode, a Throwable capturing the creation stack. The constructor hook runs before the
   * subclass's constructor: it reads nothing of the fence. Entries live in a concurrent set; an
   * entry leaves it when its fence is collected (reference queue, polled on every insertion) or is
   * found signaled by a sweep. Sweeps run on insertion when the set has doubled since the last
   * sweep (and at least SWEEP_MIN entries), so the set stays below twice the pending fences plus a
   * constant, whatever the number of signaled ones, at amortized O(1) per fence. Entries carry the
   * tracking epoch (bumped by disable()); readers ignore and sweeps drop entries of other epochs, so
   * a fence constructed concurrently with disable() never shows up later.
   *
   * Waits: while tracking is on, a blocking wait registers a Wait (thread, fences) in WAITS before
   * it parks and removes it in a finally block; pending() joins the two sets. A wait that began
   * while tracking was off is not listed. JFR: the FenceWait event begins in beforeWait and is
   * committed in afterWait when JFR wants it; describe() strings are built only then.
   *
   * The reads the debug package needs from fences without side effects (the signaled flag without
   * the peek hook, the pending members of a container, whether the thread runs inline callbacks)
   * are package-private in org.fence4j; Fence's static initializer installs an Access for them.
   */

  private static final int OFF = 0;
  private static final int ON = 1;
  private static final int SITES = 2;
  private static final int TRACKING_MASK = 3;
  private static final int TRACING = 4;

  private static final ReentrantLock MODE_LOCK = new ReentrantLock();

  /** The recording traces; replaced whole under MODE_LOCK. */
  private static volatile TraceSink[] sinks = new TraceSink[0];

  /** Below this many entries the registry is never swept. */
  private static final int SWEEP_MIN = 1024;

  /** OFF, ON or SITES, plus the TRACING bit; read by every Fence constructor. */
  private static volatile int mode;

  /** Bumped by every disable(); entries of an older epoch are ignored and swept. */
  private static final AtomicLong EPOCH = new AtomicLong();

  private static final Set<Tracked> TRACKED = ConcurrentHashMap.newKeySet();
  private static final ReferenceQueue<Fence> COLLECTED = new ReferenceQueue<>();
  private static final AtomicLong ORDER = new AtomicLong();
  private static final AtomicBoolean SWEEPING = new AtomicBoolean();
  private static volatile int sweepAt = SWEEP_MIN;

  private static final Set<Wait> WAITS = ConcurrentHashMap.newKeySet();

  /** Set once a SignalingSection was begun; until then waits skip the section counter. */
  private static volatile boolean sectionsUsed;

  private static final ThreadLocal<int[]> SECTION_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private static volatile @Nullable Access access;

  static {
    jdk.jfr.FlightRecorder.isInitialized(); // loads the class here (cheap), not on a wait path
    String property;
    try {
      property = System.getProperty("fence4j.tracking");
    } catch (SecurityException e) {
      property = null;
    }
    if (property != null) {
      String p = property.trim();
      if (p.equalsIgnoreCase("sites")) {
        mode = SITES;
      } else if (p.equalsIgnoreCase("true")) {
        mode = ON;
      }
    }
  }

  private Diagnostics() {}

  /**
   * What the debug package reads from fences through package-private code in {@code org.fence4j}.
   * None of these run a hook, signal a fence or run a callback.
   */
  public interface Access {
    /**
     * The signaled flag, without consulting the peek hook.
     *
     * @param fence the fence
     * @return whether it is signaled
     */
    boolean isSignaledFlag(Fence fence);

    /**
     * For a container (array, chain), the fences it still waits for; empty for a plain fence.
     *
     * @param fence the fence
     * @return a new list
     */
    List<Fence> waitingOn(Fence fence);

    /**
     * For a container (array, chain), all the fences it was built on that it still references;
     * {@code null} for a plain fence.
     *
     * @param fence the fence
     * @return a new list, or null
     */
    @Nullable List<Fence> members(Fence fence);

    /**
     * Waits until every one of {@code fences} is signaled or {@code deadline} passes, inside one
     * {@link #beforeWait(Fence[], long)} / {@link #afterWait} bracket for the whole call: the same
     * loop as {@code Fences.waitAll}'s blocking part, for another module's wait for all.
     *
     * @param fences the fences, none known to be signaled at the call
     * @param nanos the caller's whole timeout in nanoseconds, for the diagnosis
     * @param deadline the {@link System#nanoTime()} by which all must be signaled
     * @return whether all are signaled
     * @throws InterruptedException if interrupted
     */
    boolean awaitAll(Fence[] fences, long nanos, long deadline) throws InterruptedException;

    /**
     * Whether the current thread is running inline fence callbacks.
     *
     * @return {@code true} inside an inline callback
     */
    boolean inInlineCallback();

    /**
     * Reports an exception to the callback exception handler; never throws.
     *
     * @param t the exception
     */
    void reportException(Throwable t);
  }

  /**
   * Installs the access; called once by {@code Fence}'s static initializer.
   *
   * @param a the access
   */
  public static void setAccess(Access a) {
    if (access == null) {
      access = Objects.requireNonNull(a, "a");
    }
  }

  /**
   * Returns the access, initializing {@code Fence} first if nothing has yet.
   *
   * @return the access
   */
  public static Access access() {
    Access a = access;
    if (a == null) {
      try {
        Class.forName(Fence.class.getName(), true, Fence.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new AssertionError(e);
      }
      a = Objects.requireNonNull(access, "access");
    }
    return a;
  }

  // ---------------------------------------------------------------------------------------------
  // Tracking

  /**
   * Whether fences constructed now are tracked; the one check in {@code Fence}'s constructor.
   *
   * @return {@code true} while tracking is on
   */
  public static boolean isTracking() {
    return (mode & TRACKING_MASK) != OFF;
  }

  /**
   * Whether tracking or tracing is on: the one check in {@code Fence}'s constructor, which then
   * calls {@link #created(Fence)}.
   *
   * @return {@code true} while fences constructed now are tracked or traced
   */
  public static boolean isOn() {
    return mode != OFF;
  }

  /**
   * Records a fence under construction for tracking and every recording trace. Called from {@code
   * Fence}'s constructor once {@link #isOn()}, before the subclass's fields are set: reads only the
   * fence's context and seqno.
   *
   * @param fence the fence being constructed
   */
  public static void created(Fence fence) {
    int m = mode;
    if ((m & TRACKING_MASK) != OFF) {
      track(fence);
    }
    if ((m & TRACING) != 0) {
      long now = System.nanoTime();
      for (TraceSink sink : sinks) {
        sink.created(fence, now);
      }
    }
  }

  /** A recording trace: receives fence creations and blocking waits. */
  public interface TraceSink {
    /**
     * A fence was constructed (its subclass fields are not set yet).
     *
     * @param fence the fence
     * @param nanos the creation time on the {@link System#nanoTime()} clock
     */
    void created(Fence fence, long nanos);

    /**
     * A blocking wait began; its end is stored in the wait ({@link Wait#endNanos()}).
     *
     * @param wait the wait
     */
    void waitStarted(Wait wait);
  }

  /**
   * Starts delivering to a trace.
   *
   * @param sink the trace
   */
  public static void addSink(TraceSink sink) {
    MODE_LOCK.lock();
    try {
      TraceSink[] old = sinks;
      TraceSink[] next = java.util.Arrays.copyOf(old, old.length + 1);
      next[old.length] = sink;
      sinks = next;
      mode |= TRACING;
    } finally {
      MODE_LOCK.unlock();
    }
  }

  /**
   * Stops delivering to a trace; does nothing if it was not added.
   *
   * @param sink the trace
   */
  public static void removeSink(TraceSink sink) {
    MODE_LOCK.lock();
    try {
      TraceSink[] old = sinks;
      List<TraceSink> next = new ArrayList<>(List.of(old));
      next.remove(sink);
      sinks = next.toArray(new TraceSink[0]);
      if (next.isEmpty()) {
        mode &= ~TRACING;
      }
    } finally {
      MODE_LOCK.unlock();
    }
  }

  /**
   * Whether creation sites are captured for fences constructed now.
   *
   * @return {@code true} in sites mode
   */
  public static boolean isCapturingSites() {
    return (mode & TRACKING_MASK) == SITES;
  }

  /**
   * Turns tracking on; {@code sites} captures creation stacks of fences constructed from now on.
   *
   * @param sites whether to capture creation sites
   */
  public static void enable(boolean sites) {
    MODE_LOCK.lock();
    try {
      mode = (mode & ~TRACKING_MASK) | (sites ? SITES : ON);
    } finally {
      MODE_LOCK.unlock();
    }
  }

  /** Turns tracking off and forgets every tracked fence. */
  public static void disable() {
    MODE_LOCK.lock();
    try {
      mode &= ~TRACKING_MASK;
    } finally {
      MODE_LOCK.unlock();
    }
    EPOCH.incrementAndGet();
    TRACKED.clear();
    purgeCollected();
  }

  /**
   * Tracks a fence under construction. Called from {@code Fence}'s constructor, before the
   * subclass's fields are set: reads nothing of the fence.
   *
   * @param fence the fence being constructed
   */
  public static void track(Fence fence) {
    int m = mode & TRACKING_MASK;
    if (m == OFF) {
      return;
    }
    purgeCollected();
    Tracked t =
        new Tracked(
            fence,
            System.nanoTime(),
            ORDER.incrementAndGet(),
            EPOCH.get(),
            m == SITES ? new Throwable("creation site") : null);
    TRACKED.add(t);
    if ((mode & TRACKING_MASK) == OFF) {
      TRACKED.remove(t); // raced with disable()
      return;
    }
    if (TRACKED.size() >= sweepAt) {
      sweep();
    }
  }

  /**
   * A tracked fence: a weak reference to it, with when and where it was created.
   *
   * <p>Identity-keyed (a reference never equals another).
   */
  public static final class Tracked extends WeakReference<Fence> {
    private final long createdNanos;
    private final long order;
    private final long epoch;
    private final @Nullable Throwable site;

    Tracked(Fence fence, long createdNanos, long order, long epoch, @Nullable Throwable site) {
      super(fence, COLLECTED);
      this.createdNanos = createdNanos;
      this.order = order;
      this.epoch = epoch;
      this.site = site;
    }

    /**
     * When the fence was constructed, on the {@link System#nanoTime()} clock.
     *
     * @return the creation time
     */
    public long createdNanos() {
      return createdNanos;
    }

    /**
     * Construction order among tracked fences (increasing).
     *
     * @return the order number
     */
    public long order() {
      return order;
    }

    /**
     * The creation stack, or {@code null} if sites were not captured.
     *
     * @return the throwable whose stack trace is the creation site, or null
     */
    public @Nullable Throwable site() {
      return site;
    }
  }

  /**
   * Returns the tracked fences still pending (signaled flag unset, not collected), oldest first.
   * Drops the entries of signaled and collected fences on the way.
   *
   * @return a snapshot; empty while tracking is off
   */
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set: removal is safe
  public static List<Tracked> pendingTracked() {
    purgeCollected();
    List<Tracked> result = new ArrayList<>();
    if ((mode & TRACKING_MASK) == OFF) {
      return result;
    }
    long e = EPOCH.get();
    Access a = access();
    for (Tracked t : TRACKED) {
      Fence f = t.get();
      if (f == null || t.epoch != e || a.isSignaledFlag(f)) {
        TRACKED.remove(t);
        continue;
      }
      result.add(t);
    }
    result.sort(
        (x, y) -> {
          int c = Long.compare(x.createdNanos - y.createdNanos, 0L);
          return c != 0 ? c : Long.compare(x.order, y.order);
        });
    return result;
  }

  /**
   * The number of entries in the registry, including not yet swept ones (for tests).
   *
   * @return the registry size
   */
  public static int trackedEntries() {
    purgeCollected();
    return TRACKED.size();
  }

  private static void purgeCollected() {
    for (Object r; (r = COLLECTED.poll()) != null; ) {
      TRACKED.remove(r);
    }
  }

  /** Drops the entries of signaled, collected and stale fences; one sweeper at a time. */
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop") // a concurrent set: removal is safe
  private static void sweep() {
    if (!SWEEPING.compareAndSet(false, true)) {
      return;
    }
    try {
      long e = EPOCH.get();
      Access a = access();
      for (Tracked t : TRACKED) {
        Fence f = t.get();
        if (f == null || t.epoch != e || a.isSignaledFlag(f)) {
          TRACKED.remove(t);
        }
      }
      sweepAt = Math.max(SWEEP_MIN, 2 * TRACKED.size());
    } finally {
      SWEEPING.set(false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Waits

  /**
   * A blocking wait in progress: the thread and what it waits for. Identity-keyed.
   *
   * <p>Returned by {@link #beforeWait}; pass it to {@link #afterWait} on every way out.
   */
  public static final class Wait {
    final Thread thread;
    final Object fences; // a Fence or a Fence[]
    final long timeoutNanos;
    @Nullable FenceWaitEvent event;
    boolean registered;
    long startNanos;
    volatile long endNanos;
    volatile boolean timedOut;
    boolean traced;

    Wait(Thread thread, Object fences, long timeoutNanos) {
      this.thread = thread;
      this.fences = fences;
      this.timeoutNanos = timeoutNanos;
    }

    /**
     * When the wait began, on the {@link System#nanoTime()} clock (set for traced waits).
     *
     * @return the start time
     */
    public long startNanos() {
      return startNanos;
    }

    /**
     * When the wait ended, or {@code 0} while it goes on (set for traced waits).
     *
     * @return the end time, or 0
     */
    public long endNanos() {
      return endNanos;
    }

    /**
     * Whether the wait ended because its timeout elapsed (meaningful once ended).
     *
     * @return whether it timed out
     */
    public boolean timedOut() {
      return timedOut;
    }

    /**
     * The waiting thread.
     *
     * @return the thread
     */
    public Thread thread() {
      return thread;
    }

    /**
     * Whether this wait is on {@code fence}.
     *
     * @param fence a fence
     * @return {@code true} if {@code fence} is one of the fences waited for
     */
    public boolean isOn(Fence fence) {
      if (fences == fence) {
        return true;
      }
      if (fences instanceof Fence[]) {
        for (Fence f : (Fence[]) fences) {
          if (f == fence) {
            return true;
          }
        }
      }
      return false;
    }

    /**
     * The fences waited for.
     *
     * @return a new list
     */
    public List<Fence> fences() {
      if (fences instanceof Fence) {
        return Collections.singletonList((Fence) fences);
      }
      return List.of((Fence[]) fences);
    }
  }

  /**
   * Called by a blocking wait on one fence just before it parks: reports the wait if the thread is
   * on a signaling path, registers it as a waiter while tracking is on, begins the JFR event.
   *
   * @param fence the fence waited for
   * @param timeoutNanos the timeout; {@code Long.MAX_VALUE} for no timeout
   * @return the token for {@link #afterWait}, or {@code null} when there is nothing to end
   */
  public static @Nullable Wait beforeWait(Fence fence, long timeoutNanos) {
    return begin(fence, timeoutNanos);
  }

  /**
   * Like {@link #beforeWait(Fence, long)} for one call that waits for several fences ({@code
   * waitAny}, {@code waitAll}, a reservation object's fences): one report, one event.
   *
   * @param fences the fences waited for (the array is kept, not copied, until {@link #afterWait})
   * @param timeoutNanos the timeout; {@code Long.MAX_VALUE} for no timeout
   * @return the token for {@link #afterWait}, or {@code null} when there is nothing to end
   */
  public static @Nullable Wait beforeWait(Fence[] fences, long timeoutNanos) {
    return begin(fences.length == 1 ? fences[0] : fences, timeoutNanos);
  }

  private static @Nullable Wait begin(Object fences, long timeoutNanos) {
    Access a = access();
    if (onSignalingPath(a)) {
      reportSignalingWait(a, fences);
    }
    int m = mode;
    boolean tracking = (m & TRACKING_MASK) != OFF;
    boolean tracing = (m & TRACING) != 0;
    FenceWaitEvent event = jfrActive() ? FenceWaitEvent.beginIfEnabled() : null;
    if (event == null && !tracking && !tracing) {
      return null;
    }
    Wait w = new Wait(Thread.currentThread(), fences, timeoutNanos);
    if (tracking) {
      WAITS.add(w);
      w.registered = true;
    }
    if (tracing) {
      w.startNanos = System.nanoTime();
      w.traced = true;
      for (TraceSink sink : sinks) {
        sink.waitStarted(w);
      }
    }
    w.event = event;
    return w;
  }

  /**
   * Ends a wait begun with {@link #beforeWait}: unregisters the waiter, commits the JFR event.
   * Never throws.
   *
   * @param wait the token, or {@code null} (then does nothing)
   * @param timedOut whether the wait returned because its timeout elapsed
   */
  public static void afterWait(@Nullable Wait wait, boolean timedOut) {
    if (wait == null) {
      return;
    }
    if (wait.registered) {
      WAITS.remove(wait);
    }
    if (wait.traced) {
      wait.timedOut = timedOut;
      wait.endNanos = Math.max(System.nanoTime(), wait.startNanos + 1);
    }
    FenceWaitEvent event = wait.event;
    if (event != null) {
      try {
        event.end();
        if (event.shouldCommit()) {
          event.fence = describeWaited(wait.fences);
          event.timeout = wait.timeoutNanos;
          event.timedOut = timedOut;
          event.commit();
        }
      } catch (Throwable t) {
        access().reportException(t);
      }
    }
  }

  /**
   * The blocking waits in progress that tracking sees.
   *
   * @return a snapshot
   */
  public static List<Wait> waits() {
    return new ArrayList<>(WAITS);
  }

  // ---------------------------------------------------------------------------------------------
  // JFR

  /** Set once the Flight Recorder was seen initialized; from then on event classes may load. */
  private static volatile boolean jfrSeen;

  /**
   * Whether JFR events may be worth creating: the Flight Recorder has been initialized in this JVM
   * (a recording was started, by the API, {@code jcmd} or {@code -XX:StartFlightRecording}). Until
   * then no event class is loaded: the first load of a JFR event class costs about half a second,
   * which a wait must not pay while nobody records.
   *
   * @return {@code true} once the Flight Recorder is initialized
   */
  public static boolean jfrActive() {
    if (jfrSeen) {
      return true;
    }
    if (!jdk.jfr.FlightRecorder.isInitialized() || onVirtualThread()) {
      return false; // a virtual thread must not load classes here: loading pins its carrier
    }
    // Register every event class now, on a platform thread: an event class first loaded while
    // recordings run may miss its first events until JFR has applied their settings to it.
    jdk.jfr.FlightRecorder.register(FenceWaitEvent.class);
    jdk.jfr.FlightRecorder.register(FenceHungEvent.class);
    jdk.jfr.FlightRecorder.register(SignalingViolationEvent.class);
    jfrSeen = true;
    return true;
  }

  /**
   * Whether the current thread is a virtual thread (JDK 21+), which must not load classes on a wait
   * path (class loading pins the carrier). On JDK 17 there are none.
   *
   * @return {@code true} on a virtual thread
   */
  public static boolean onVirtualThread() {
    MethodHandle isVirtual = IS_VIRTUAL;
    if (isVirtual == null) {
      return false;
    }
    try {
      return (boolean) isVirtual.invokeExact(Thread.currentThread());
    } catch (Throwable t) {
      return false;
    }
  }

  private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualHandle();

  static {
    // Link onVirtualThread's invokeExact call site now, on the thread initializing this class:
    // the first call links it by loading classes, which on a virtual thread would pin the carrier.
    boolean unused = onVirtualThread();
  }

  private static @Nullable MethodHandle isVirtualHandle() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // JDK 17-20: no virtual threads
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Signaling sections

  /** Marks the current thread as on a signaling path (one more nesting level). */
  public static void enterSection() {
    sectionsUsed = true;
    SECTION_DEPTH.get()[0]++;
  }

  /** Ends one nesting level of the current thread's signaling section. */
  public static void exitSection() {
    int[] depth = SECTION_DEPTH.get();
    if (depth[0] > 0) {
      depth[0]--;
    }
  }

  /**
   * Whether the current thread is on a signaling path: inside a section or an inline callback.
   *
   * @return {@code true} if a blocking wait now is a violation
   */
  public static boolean onSignalingPath() {
    return onSignalingPath(access());
  }

  private static boolean onSignalingPath(Access a) {
    return (sectionsUsed && SECTION_DEPTH.get()[0] > 0) || a.inInlineCallback();
  }

  private static void reportSignalingWait(Access a, Object fences) {
    String what = describeWaited(fences);
    Thread t = Thread.currentThread();
    String message =
        "blocking wait on a signaling path (in a fence callback or a SignalingSection): thread \""
            + t.getName()
            + "\" waits for "
            + what;
    try {
      if (jfrActive()) {
        SignalingViolationEvent.emit(what, message);
      }
    } catch (Throwable e) {
      a.reportException(e);
    }
    try {
      StrictMode.reportViolation(message);
    } catch (Throwable e) {
      a.reportException(e); // the wait proceeds whatever the handler does
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Descriptions

  /**
   * A fence's {@code describe()} for diagnosis: never consults the peek hook (so it never signals
   * the fence or runs a callback) unless the subclass overrides {@code describe()}, and never
   * throws: a subclass whose {@code describe()} or names throw gets a fallback line naming the
   * exception.
   *
   * @param fence the fence
   * @return one line starting with {@code <context>:<seqno>}
   */
  public static String describe(Fence fence) {
    try {
      if (OVERRIDES_DESCRIBE.get(fence.getClass())) {
        int[] depth = DESCRIBING.get();
        depth[0]++; // Fence.describe() skips the peek hook meanwhile (an override calling super)
        String s;
        try {
          s = fence.describe();
        } finally {
          depth[0]--;
        }
        return s != null ? s : fence.context() + ":" + fence.seqno() + " (describe() gave null)";
      }
      StringBuilder sb = new StringBuilder();
      sb.append(fence.context()).append(':').append(fence.seqno()).append(' ');
      sb.append(safeName(fence, true)).append(' ').append(safeName(fence, false)).append(' ');
      if (access().isSignaledFlag(fence)) {
        sb.append("signaled");
        fence.error().ifPresent(e -> sb.append(" error=").append(e));
      } else {
        sb.append("unsignaled");
      }
      return sb.toString();
    } catch (Throwable t) {
      return fence.context()
          + ":"
          + fence.seqno()
          + " "
          + fence.getClass().getName()
          + " (describe() threw "
          + t
          + ")";
    }
  }

  private static final ThreadLocal<int[]> DESCRIBING = ThreadLocal.withInitial(() -> new int[1]);

  /**
   * Whether the current thread is describing a fence for diagnosis; {@code Fence.describe()} then
   * reads the signaled flag without consulting the peek hook (which could signal the fence).
   *
   * @return {@code true} inside {@link #describe(Fence)}'s call of an overridden describe()
   */
  public static boolean isDescribing() {
    return DESCRIBING.get()[0] > 0;
  }

  /**
   * {@code timelineName()} or {@code driverName()}, or a placeholder naming the exception.
   *
   * @param fence the fence
   * @param timeline {@code true} for the timeline name, {@code false} for the driver name
   * @return the name
   */
  public static String safeName(Fence fence, boolean timeline) {
    try {
      String s = timeline ? fence.timelineName() : fence.driverName();
      return s != null ? s : "<null>";
    } catch (Throwable t) {
      return "<" + (timeline ? "timelineName" : "driverName") + "() threw " + t + ">";
    }
  }

  /**
   * Describes what a wait waits for: one fence's description, or the first three of several and a
   * count.
   *
   * @param fences a Fence or a Fence[]
   * @return the description
   */
  static String describeWaited(Object fences) {
    if (fences instanceof Fence) {
      return describe((Fence) fences);
    }
    Fence[] all = (Fence[]) fences;
    StringBuilder sb = new StringBuilder();
    int shown = Math.min(3, all.length);
    for (int i = 0; i < shown; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(describe(all[i]));
    }
    if (all.length > shown) {
      sb.append(" and ").append(all.length - shown).append(" more");
    }
    return sb.append(" (").append(all.length).append(" fences)").toString();
  }

  private static final ClassValue<Boolean> OVERRIDES_DESCRIBE =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          try {
            return type.getMethod("describe").getDeclaringClass() != Fence.class;
          } catch (NoSuchMethodException | SecurityException e) {
            return Boolean.TRUE;
          }
        }
      };
}
