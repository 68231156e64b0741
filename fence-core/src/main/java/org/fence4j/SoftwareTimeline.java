package org.fence4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.internal.TimelineRegistry;

/**
 * A software timeline, the equivalent of the kernel's sw_sync: a counter whose points (fences)
 * signal as the counter reaches them. Useful for tests, for CPU producers, and for bridging code
 * that has no fences of its own.
 *
 * <pre>{@code
 * try (SoftwareTimeline t = SoftwareTimeline.create("decode")) {
 *   Fence frame3 = t.createFence(3);
 *   t.increment(2);              // value 2: frame3 still pending
 *   t.increment(1);              // value 3: frame3 signals
 * }
 * }</pre>
 *
 * <p>Points signal in value order. A point at or below the current value is born signaled; asking
 * again for a value that is still pending returns the same fence. {@link #close()} signals every
 * pending point with {@link FenceError#ENOENT}. A point is a {@link Fence}, so its holder can also
 * signal it directly (for example with an error, to cancel it); that signals the point only, not
 * the timeline: the point is no longer pending (it leaves {@link #pendingPoints()}), the value does
 * not move, and a later {@code createFence} for that value makes a new point that signals when the
 * value reaches it. All points share the timeline's context; a point's seqno is its value and its
 * {@code timelineName()} is the timeline's name, its driver name {@code "sw_sync"}.
 *
 * <p>Thread-safe. Points are signaled while a short internal lock is held, so concurrent increments
 * signal them in value order, but their callbacks run after the lock is released, in the
 * incrementing thread, before {@link #increment} returns.
 */
public final class SoftwareTimeline implements AutoCloseable {
  /*
   * Implementation overview: `lock` guards `value`, `closed` and `pendingPoints` (value -> point,
   * sorted). increment/close transition points to signaled under the lock (publishSignal: no
   * callbacks run) in value order, then fire the collected listeners after unlocking, so no user
   * code runs under the lock. `value` is also volatile so value() needs no lock.
   *
   * A point signaled directly by its holder stays in `pendingPoints` until something under the
   * lock meets it: createFence for its value replaces it, pendingPoints() and a sweep drop it, and
   * increment/close remove it as they pass (publishSignal returns null for it). The sweep runs
   * when the map has doubled since the last one, so directly signaled points cost amortized O(1)
   * and the map stays proportional to the points really pending.
   */

  private static final String DRIVER_NAME = "sw_sync";

  private final long context;
  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final TreeMap<Long, Point> pendingPoints = new TreeMap<>();
  private volatile long value;
  private boolean closed;

  /** Map size at which createFence sweeps directly signaled points out; guarded by lock. */
  private int sweepAt = MIN_SWEEP;

  private static final int MIN_SWEEP = 16;

  private SoftwareTimeline(String name) {
    this.name = name;
    this.context = FenceContexts.allocate(1);
  }

  /**
   * Creates a timeline with a fresh context and value 0.
   *
   * @param name the timeline's name, reported by its points' {@link Fence#timelineName()}
   * @return a new timeline
   * @throws NullPointerException if {@code name} is null
   */
  public static SoftwareTimeline create(String name) {
    Objects.requireNonNull(name, "name");
    SoftwareTimeline timeline = new SoftwareTimeline(name);
    TimelineRegistry.register(timeline);
    return timeline;
  }

  /**
   * Returns a point that signals when the value reaches {@code value}. A value already reached
   * gives a new fence that is born signaled; a value equal to a still-pending point returns that
   * same fence. A point of that value that its holder signaled directly is not pending: it is
   * replaced by a new point, which signals when the value reaches {@code value}.
   *
   * @param value the point's value, {@code >= 0}; becomes the fence's seqno
   * @return the point
   * @throws IllegalArgumentException if {@code value} is negative
   * @throws IllegalStateException if the timeline is closed
   */
  public Fence createFence(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("value must not be negative, was " + value);
    }
    lock.lock();
    try {
      requireOpen();
      if (value <= this.value) {
        Point born = new Point(this, value);
        born.signal();
        return born;
      }
      Point existing = pendingPoints.get(value);
      if (existing != null && !existing.isSignaledFlag()) {
        return existing;
      }
      Point point = new Point(this, value);
      pendingPoints.put(value, point);
      if (existing == null && pendingPoints.size() >= sweepAt) {
        dropSignaledDirectly();
      }
      return point;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Adds {@code n} to the value and signals, in value order, every point now reached; their inline
   * callbacks have run when this returns (when called from inside a fence callback, when the
   * outermost signal of that cascade returns, as for {@link Fence#signal()}).
   *
   * @param n how much to add, {@code >= 0}
   * @throws IllegalArgumentException if {@code n} is negative or the value would overflow
   * @throws IllegalStateException if the timeline is closed
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written only under `lock`; volatile for readers
  public void increment(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, was " + n);
    }
    List<Object> toFire;
    lock.lock();
    try {
      requireOpen();
      if (Long.MAX_VALUE - value < n) {
        throw new IllegalArgumentException("value " + value + " + " + n + " overflows");
      }
      value += n;
      toFire = signalReached(pendingPoints.headMap(value, true).values(), null);
    } finally {
      lock.unlock();
    }
    fireAll(toFire);
  }

  /**
   * Returns the current value.
   *
   * @return the value, starting at 0
   */
  public long value() {
    return value;
  }

  /**
   * Returns the name.
   *
   * @return the name given at creation
   */
  public String name() {
    return name;
  }

  /**
   * Returns the context shared by all points of this timeline.
   *
   * @return the context id
   */
  public long context() {
    return context;
  }

  /**
   * Returns the points that are still pending, in value order (a snapshot, for debugging). Points
   * their holders signaled directly are not pending.
   *
   * @return a new list
   */
  public List<Fence> pendingPoints() {
    lock.lock();
    try {
      dropSignaledDirectly();
      return new ArrayList<>(pendingPoints.values());
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the earliest deadline set on {@code point} with {@link Fence#setDeadline(long)}.
   *
   * @param point a point of this timeline
   * @return the earliest deadline, or empty if none was set
   * @throws IllegalArgumentException if {@code point} is not a point of this timeline
   * @throws NullPointerException if {@code point} is null
   */
  public OptionalLong deadlineOf(Fence point) {
    Objects.requireNonNull(point, "point");
    if (!(point instanceof Point) || ((Point) point).timeline != this) {
      throw new IllegalArgumentException("not a point of timeline " + name + ": " + point);
    }
    Point p = (Point) point;
    lock.lock();
    try {
      return p.hasDeadline ? OptionalLong.of(p.deadline) : OptionalLong.empty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the timeline: every still-pending point is signaled with {@link FenceError#ENOENT}.
   * Later {@link #createFence} and {@link #increment} throw {@link IllegalStateException}; a second
   * {@code close()} does nothing.
   */
  @Override
  public void close() {
    List<Object> toFire;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toFire = signalReached(pendingPoints.values(), FenceError.ENOENT);
    } finally {
      lock.unlock();
    }
    fireAll(toFire);
  }

  /** Returns {@code "<name>: <value>"}. */
  @Override
  public String toString() {
    return name + ": " + value;
  }

  /** Signals {@code points} (in order) and removes them; returns (point, listeners) pairs. */
  private static List<Object> signalReached(
      java.util.Collection<Point> points, @org.jspecify.annotations.Nullable FenceError error) {
    List<Object> toFire = new ArrayList<>(points.size() * 2);
    for (java.util.Iterator<Point> it = points.iterator(); it.hasNext(); ) {
      Point p = it.next();
      it.remove();
      Node.Listener listeners = p.publishSignal(error, 0L, true);
      if (listeners != null) {
        toFire.add(p);
        toFire.add(listeners);
      }
    }
    return toFire;
  }

  private static void fireAll(List<Object> toFire) {
    for (int i = 0; i < toFire.size(); i += 2) {
      ((Fence) toFire.get(i)).fire((Node.Listener) toFire.get(i + 1));
    }
  }

  /** How many points the timeline holds, pending or signaled directly (for tests). */
  int trackedPointCount() {
    lock.lock();
    try {
      return pendingPoints.size();
    } finally {
      lock.unlock();
    }
  }

  /** Removes points signaled directly by their holders; lock held. */
  private void dropSignaledDirectly() {
    pendingPoints.values().removeIf(Fence::isSignaledFlag);
    sweepAt = Math.max(MIN_SWEEP, 2 * pendingPoints.size());
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("timeline " + name + " is closed");
    }
  }

  /** A point of the timeline. */
  private static final class Point extends Fence {
    final SoftwareTimeline timeline;
    long deadline; // guarded by timeline.lock
    boolean hasDeadline; // guarded by timeline.lock

    Point(SoftwareTimeline timeline, long value) {
      super(timeline.context, value);
      this.timeline = timeline;
    }

    @Override
    boolean hasTrivialEnableHook() {
      return true;
    }

    @Override
    public String driverName() {
      return DRIVER_NAME;
    }

    @Override
    public String timelineName() {
      return timeline.name;
    }

    @Override
    protected void onDeadline(long deadlineNanos) {
      timeline.lock.lock();
      try {
        if (!hasDeadline || deadlineNanos - deadline < 0) {
          deadline = deadlineNanos;
          hasDeadline = true;
        }
      } finally {
        timeline.lock.unlock();
      }
    }
  }
}
