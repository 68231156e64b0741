package org.fence4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.internal.TimelineRegistry;
import org.jspecify.annotations.Nullable;

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
   * The listeners claimed under the lock live in an orphan record (see Orphans) allocated before
   * the first claim, until the dispatcher takes each over (see advance and fireAll): a Throwable
   * anywhere in between (an exhausted stack) publishes what is left of the record for the picker,
   * so no claimed callback is lost.
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
  public void increment(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, was " + n);
    }
    advance(n, false);
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
    advance(0L, true);
  }

  /**
   * increment(n), or close() if {@code close}: under the lock, signals every point reached (all
   * pending points when closing, with ENOENT) and collects their listener chains in an orphan
   * record ({@code {next, CHAIN, point, chain, ...}}, allocated before the first claim); then fires
   * them after unlocking. A Throwable after a claim (an exhausted stack: in the iteration, the
   * unlock, or on the way into a dispatch) loses none of them: the chains the dispatcher has not
   * taken over are still in the record (see {@link #fireAll}), which the catch block publishes in
   * {@link Orphans} with bytecodes alone.
   */
  @SuppressWarnings("NonAtomicVolatileUpdate") // written only under `lock`; volatile for readers
  private void advance(long n, boolean close) {
    @Nullable Object @Nullable [] toFire = null;
    try {
      lock.lock();
      try {
        Collection<Point> reached;
        if (close) {
          if (closed) {
            return;
          }
          closed = true;
          reached = pendingPoints.values();
        } else {
          requireOpen();
          if (Long.MAX_VALUE - value < n) {
            throw new IllegalArgumentException("value " + value + " + " + n + " overflows");
          }
          value += n;
          reached = pendingPoints.headMap(value, true).values();
        }
        toFire = new Object[2 + 2 * reached.size()];
        toFire[1] = Orphans.CHAIN;
        signalReached(reached, close ? FenceError.ENOENT : null, toFire);
      } finally {
        lock.unlock();
      }
      fireAll(toFire);
    } catch (Throwable t) {
      // Bytecodes only: the stack may be exhausted. Chains fireAll had not handed on yet are still
      // in the record (it clears each one as it hands it on).
      boolean left = false;
      @Nullable Object[] r = toFire != null ? toFire : new Object[0];
      for (int i = 3; i < r.length && !left; i += 2) {
        left = r[i] != null;
      }
      if (left) {
        synchronized (Orphans.LOCK) {
          r[0] = Orphans.head;
          Orphans.head = r;
        }
        try {
          Orphans.wake();
        } catch (Throwable ignored) {
          // the picker looks within its park slice anyway
        }
      }
      throw t;
    }
  }

  /** Returns {@code "<name>: <value>"}. */
  @Override
  public String toString() {
    return name + ": " + value;
  }

  /**
   * Signals {@code points} (in order) and removes them; stores (point, listeners) pairs in {@code
   * toFire} from index 2 on, packed, each pair right after its claim (no call in between).
   */
  private static void signalReached(
      Collection<Point> points, @Nullable FenceError error, @Nullable Object[] toFire) {
    int k = 2;
    for (Iterator<Point> it = points.iterator(); it.hasNext(); ) {
      Point p = it.next();
      Node.Listener listeners = p.publishSignal(error, 0L, true);
      if (listeners != null && listeners != Fence.NO_LISTENERS) {
        toFire[k] = p;
        toFire[k + 1] = listeners;
        k += 2;
      }
      it.remove(); // after the claim: a point left in the map signaled is dropped when met again
    }
  }

  /**
   * Fires the pairs of {@code toFire} (see {@link #signalReached}) in order. Each chain is taken
   * out of the record just before its dispatch; if a Throwable strikes before the dispatcher took
   * it over (no catch block of the dispatcher that owned it ran: see Dispatcher.dispatch), it goes
   * back into the record, which advance's catch block publishes. So at any moment a chain is in the
   * record, in the dispatcher's keeping, or run.
   */
  @SuppressWarnings("NullAway") // a pair's fence is stored with its chain
  private static void fireAll(@Nullable Object[] toFire) {
    if (toFire.length < 4 || toFire[3] == null) {
      return;
    }
    Dispatcher.Seam seam = Dispatcher.SEAM;
    if (seam != null) {
      seam.at(Dispatcher.Seam.TIMELINE);
    }
    Dispatcher d = Dispatcher.current();
    for (int i = 2; i + 1 < toFire.length; i += 2) {
      Node.Listener l = (Node.Listener) toFire[i + 1];
      if (l == null) {
        return; // packed: nothing after it
      }
      Fence f = (Fence) toFire[i];
      long caught = d.caughtWithChain;
      toFire[i + 1] = null;
      try {
        if (seam != null) {
          seam.at(Dispatcher.Seam.DISPATCH);
        }
        d.dispatch(f, l); // runOutermost or enqueueSlow: each owns it from its first bytecode
      } catch (Throwable t) {
        if (d.caughtWithChain == caught) {
          toFire[i + 1] = l; // not taken over: back into the record (bytecodes only)
        }
        throw t;
      }
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
