package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import org.fence4j.internal.TimelineRegistry;
import org.jspecify.annotations.Nullable;

/**
 * A producer's timeline: one fresh context id and fences with increasing sequence numbers, what a
 * kernel driver sets up by hand for each of its engines or rings.
 *
 * <pre>{@code
 * FenceContext ring = FenceContext.create("decoder", "vdec0");
 * Fence frame1 = ring.next();   // seqno 1
 * Fence frame2 = ring.next();   // seqno 2
 * frame1.signal();              // signal in seqno order
 * frame2.signal();
 * }</pre>
 *
 * <p>Rule: fences of one context signal in seqno order (that is what lets consumers keep only the
 * later of two fences of a context). Signaling a fence while an earlier one of the same context is
 * still pending is a producer bug; with {@link #setStrict(boolean) strict mode} on, it is reported
 * to {@link StrictMode}. Strict mode checks fences handed out while it is on, just after they
 * signal, and costs one callback per fence; it is off by default.
 *
 * <p>Thread-safe: {@link #next()} may be called from any thread.
 */
public final class FenceContext {
  /*
   * Implementation overview: `lastSeqno` is a volatile long advanced with getAndAdd, so seqnos are
   * unique and increase in call order. In strict mode each new fence is kept in `pending` (keyed
   * by seqno) until its strict callback runs; that callback removes it and reports a violation if
   * any earlier fence in `pending` is not signaled yet.
   */

  private final long context;
  private final String driverName;
  private final String timelineName;

  /** The last seqno handed out; 0 before the first. */
  private volatile long lastSeqno;

  private volatile boolean strict;

  /** Strict mode's pending fences; created on the first strict next(). */
  private volatile @Nullable ConcurrentSkipListMap<Long, Fence> pending;

  private FenceContext(long context, String driverName, String timelineName) {
    this.context = context;
    this.driverName = driverName;
    this.timelineName = timelineName;
  }

  /**
   * Creates a timeline with a fresh context id.
   *
   * @param driverName the producer's name, reported by its fences' {@link Fence#driverName()}
   * @param timelineName the timeline's name, reported by {@link Fence#timelineName()}
   * @return a new context; its first fence has seqno 1
   * @throws NullPointerException if an argument is null
   */
  public static FenceContext create(String driverName, String timelineName) {
    Objects.requireNonNull(driverName, "driverName");
    Objects.requireNonNull(timelineName, "timelineName");
    FenceContext context = new FenceContext(FenceContexts.allocate(1), driverName, timelineName);
    TimelineRegistry.registerContext(context); // weakly, for SyncDebug.dump()
    return context;
  }

  /**
   * Returns a new pending fence with the seqno one above the last one handed out (the first is 1).
   * The producer signals it with {@link Fence#signal()} or {@link Fence#signal(FenceError)}.
   *
   * @return a new pending fence of this context
   */
  public Fence next() {
    long seqno = (long) LAST_SEQNO.getAndAdd(this, 1L) + 1L;
    ContextFence fence = new ContextFence(this, seqno);
    if (strict) {
      track(fence);
    }
    return fence;
  }

  /**
   * Switches strict mode on or off for fences handed out from now on.
   *
   * @param strict whether to report fences that signal before an earlier fence of this context
   */
  public void setStrict(boolean strict) {
    this.strict = strict;
  }

  /**
   * Returns whether strict mode is on.
   *
   * @return {@code true} if strict mode is on
   */
  public boolean isStrict() {
    return strict;
  }

  /**
   * Returns the context id.
   *
   * @return the context id, shared by every fence of this timeline
   */
  public long context() {
    return context;
  }

  /**
   * Returns the seqno of the last fence handed out.
   *
   * @return the last seqno, 0 before the first {@link #next()}
   */
  public long lastSeqno() {
    return lastSeqno;
  }

  /**
   * Returns the driver name.
   *
   * @return the driver name given at creation
   */
  public String driverName() {
    return driverName;
  }

  /**
   * Returns the timeline name.
   *
   * @return the timeline name given at creation
   */
  public String timelineName() {
    return timelineName;
  }

  /**
   * Returns one debug line: {@code "<context> <timeline> <driver> last=<seqno>"}.
   *
   * @return the description
   */
  public String describe() {
    return context + " " + timelineName + " " + driverName + " last=" + lastSeqno;
  }

  /** Returns {@link #describe()}. */
  @Override
  public String toString() {
    return describe();
  }

  private void track(Fence fence) {
    ConcurrentSkipListMap<Long, Fence> map = pending;
    if (map == null) {
      PENDING.compareAndSet(this, null, new ConcurrentSkipListMap<Long, Fence>());
      map = pending;
    }
    ConcurrentSkipListMap<Long, Fence> tracked = Objects.requireNonNull(map);
    tracked.put(fence.seqno(), fence);
    fence.addCallback(f -> checkOrder(tracked, f));
  }

  private static void checkOrder(ConcurrentSkipListMap<Long, Fence> tracked, Fence signaled) {
    tracked.remove(signaled.seqno());
    for (Map.Entry<Long, Fence> earlier : tracked.headMap(signaled.seqno()).entrySet()) {
      if (!earlier.getValue().isSignaled()) {
        StrictMode.reportViolation(
            "fence "
                + signaled.describe()
                + " signaled before earlier fence "
                + earlier.getValue().describe());
        return;
      }
    }
  }

  /** A fence handed out by {@link #next()}. */
  private static final class ContextFence extends Fence {
    private final FenceContext owner;

    ContextFence(FenceContext owner, long seqno) {
      super(owner.context, seqno);
      this.owner = owner;
    }

    @Override
    boolean hasTrivialEnableHook() {
      return true;
    }

    @Override
    public String driverName() {
      return owner.driverName;
    }

    @Override
    public String timelineName() {
      return owner.timelineName;
    }
  }

  // VarHandle mechanics
  private static final VarHandle LAST_SEQNO;
  private static final VarHandle PENDING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      LAST_SEQNO = lookup.findVarHandle(FenceContext.class, "lastSeqno", long.class);
      PENDING = lookup.findVarHandle(FenceContext.class, "pending", ConcurrentSkipListMap.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
