package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A fence that signals when all of its member fences have signaled, or, with {@code signalOnAny},
 * when the first one does.
 *
 * <pre>{@code
 * Fence bothDone = FenceArray.all(List.of(renderDone, uploadDone));
 * Fence eitherDone = FenceArray.any(List.of(gpuDone, cpuFallbackDone));
 * }</pre>
 *
 * <p>Its error is the first error seen among its members (for a signal-on-any array, the error of
 * the member that signaled it). Members must be plain fences: an array or chain member is rejected;
 * flatten with {@link Fences#merge}. Signaling is lazy: the array registers on its members when
 * signaling is enabled (a callback, a wait); until then {@link #isSignaled()} polls the members.
 * Deadlines are forwarded to every member. Once an any-array signals it removes its registrations
 * from the members that have not signaled, so a long-lived loser does not keep the array reachable.
 *
 * <p>Thread-safe.
 */
public final class FenceArray extends Fence {
  /*
   * Implementation overview: `pending` counts down from the number of members (wait-all) or from
   * 1 (any). One shared MemberCallback is registered on every member when signaling is enabled;
   * each member signal (or a member found already signaled while registering) records its error
   * with a CAS into `firstError` (all mode; the winner's error in any mode) and then decrements
   * `pending` with getAndAdd. The thread that takes it to 0 signals the array with firstError:
   * the error CAS happens-before the decrement that the final thread observes. Arming first
   * registers a callback on the array itself that removes the member callback from every member
   * when the array signals directly by its owner, or as an any-array (a wait-all array signaled by
   * its count has no member left pending, so nothing to remove); a registration racing with that
   * sweep is removed by the registering thread itself when it then sees the array signaled, so no
   * registration outlives the signal.
   */

  private final List<Fence> fences;
  private final boolean signalOnAny;
  private final MemberCallback memberCallback = new MemberCallback();

  /** Members still to signal (or 1 for any); the array signals when this reaches 0. */
  private volatile int pending;

  /** First member error seen; set once with CAS. */
  private volatile @Nullable FenceError firstError;

  /** Whether onEnableSignaling has started registering on members. */
  private volatile boolean armed;

  private FenceArray(List<Fence> fences, long context, long seqno, boolean signalOnAny) {
    super(context, seqno);
    this.fences = fences;
    this.signalOnAny = signalOnAny;
    this.pending = signalOnAny ? 1 : fences.size();
  }

  /**
   * Creates an array fence with the given identity.
   *
   * @param fences the members: non-empty, no nulls, no arrays or chains (duplicates are allowed)
   * @param context the array's context
   * @param seqno the array's seqno
   * @param signalOnAny {@code true} to signal on the first member, {@code false} to wait for all
   * @return a new, lazily armed array fence
   * @throws IllegalArgumentException if {@code fences} is empty or holds an array or chain
   * @throws NullPointerException if {@code fences} or a member is null
   */
  public static FenceArray create(
      List<? extends Fence> fences, long context, long seqno, boolean signalOnAny) {
    return new FenceArray(checkMembers(fences), context, seqno, signalOnAny);
  }

  /**
   * Creates a wait-all array with a fresh context and seqno 1.
   *
   * @param fences the members: non-empty, no nulls, no arrays or chains
   * @return a new array fence that signals when every member has
   * @throws IllegalArgumentException if {@code fences} is empty or holds an array or chain
   * @throws NullPointerException if {@code fences} or a member is null
   */
  public static FenceArray all(List<? extends Fence> fences) {
    List<Fence> members = checkMembers(fences);
    return new FenceArray(members, FenceContexts.allocate(1), 1L, false);
  }

  /**
   * Creates a signal-on-any array with a fresh context and seqno 1.
   *
   * @param fences the members: non-empty, no nulls, no arrays or chains
   * @return a new array fence that signals with the first member
   * @throws IllegalArgumentException if {@code fences} is empty or holds an array or chain
   * @throws NullPointerException if {@code fences} or a member is null
   */
  public static FenceArray any(List<? extends Fence> fences) {
    List<Fence> members = checkMembers(fences);
    return new FenceArray(members, FenceContexts.allocate(1), 1L, true);
  }

  /**
   * A wait-all array for {@link Fences#merge}: like {@link #all} but it may hold signal-on-any
   * arrays (kept whole by merge, since flattening them would turn "any" into "all").
   */
  static FenceArray merged(List<Fence> leaves) {
    return new FenceArray(List.copyOf(leaves), FenceContexts.allocate(1), 1L, false);
  }

  private static List<Fence> checkMembers(List<? extends Fence> fences) {
    Objects.requireNonNull(fences, "fences");
    if (fences.isEmpty()) {
      throw new IllegalArgumentException("a fence array needs at least one fence");
    }
    Fence[] copy = new Fence[fences.size()];
    for (int i = 0; i < copy.length; i++) {
      Fence f = Checks.element(fences.get(i), "fences", i);
      if (f instanceof FenceArray || f instanceof FenceChain) {
        throw new IllegalArgumentException(
            "fence arrays do not nest: fences["
                + i
                + "] is "
                + f.describe()
                + "; flatten with Fences.merge");
      }
      copy[i] = f;
    }
    return List.of(copy);
  }

  /**
   * Returns the members.
   *
   * @return the immutable member list, in the order given
   */
  public List<Fence> fences() {
    return fences;
  }

  /**
   * Returns whether this array signals on the first member rather than on all.
   *
   * @return {@code true} for a signal-on-any array
   */
  public boolean signalOnAny() {
    return signalOnAny;
  }

  @Override
  public String driverName() {
    return "fence_array";
  }

  @Override
  public String timelineName() {
    return "unbound";
  }

  @Override
  protected boolean onEnableSignaling() {
    armed = true;
    // Runs first when the array signals, however it signals (last member, or its owner directly).
    addUrgentCallback(f -> removeFromMembers());
    for (Fence f : fences) {
      if (pending <= 0 || isSignaledFlag()) {
        break;
      }
      if (!addToMember(f)) {
        memberSignaled(f);
      } else if (isSignaledFlag()) {
        f.removeCallback(memberCallback); // the sweep may have run before this add
      }
    }
    return true;
  }

  @Override
  protected boolean peekSignaled() {
    if (armed) {
      return false; // the member callbacks will signal it
    }
    FenceError error = null;
    boolean done = !signalOnAny;
    for (Fence f : fences) {
      boolean signaled = f.isSignaled();
      if (signaled && error == null) {
        error = f.error().orElse(null);
      }
      if (signalOnAny && signaled) {
        done = true;
        break;
      }
      if (!signalOnAny && !signaled) {
        done = false;
        break;
      }
    }
    if (done) {
      signalWith(error);
    }
    return done;
  }

  @Override
  protected void onDeadline(long deadlineNanos) {
    for (Fence f : fences) {
      f.setDeadline(deadlineNanos);
    }
  }

  private void memberSignaled(Fence member) {
    if (!signalOnAny) {
      recordError(member);
    }
    int left = (int) PENDING.getAndAdd(this, -1) - 1;
    if (left == 0) {
      if (signalOnAny) {
        recordError(member);
      }
      signalWith(firstError);
    }
  }

  /**
   * Registers the member callback (urgent: the array's waiters wake before any member callback);
   * false if the member is signaled. A member whose enable hook throws is failed by it (EIO): it
   * counts as a signaled member, and the exception goes to the callback exception handler.
   */
  private boolean addToMember(Fence member) {
    try {
      return member.addUrgentCallback(memberCallback);
    } catch (Throwable t) {
      if (!member.isSignaledFlag()) {
        throw t;
      }
      Dispatcher.report(t);
      return false;
    }
  }

  /**
   * Drops this array's registrations from its members once it has signaled. A wait-all array whose
   * count reached 0 has nothing to drop: every member has signaled, and a signal consumes every
   * registration of its fence; only an array signaled by its owner, or an any-array, has members
   * still holding one.
   */
  private void removeFromMembers() {
    if (!signalOnAny && pending == 0) {
      return;
    }
    for (Fence f : fences) {
      f.removeCallback(memberCallback);
    }
  }

  private void recordError(Fence member) {
    FenceError e = member.error().orElse(null);
    if (e != null && firstError == null) {
      FIRST_ERROR.compareAndSet(this, null, e);
    }
  }

  private void signalWith(@Nullable FenceError error) {
    if (error == null) {
      signal();
    } else {
      signal(error);
    }
  }

  /** The one callback registered on every member. */
  private final class MemberCallback implements FenceCallback {
    @Override
    public void onSignaled(Fence member) {
      memberSignaled(member);
    }
  }

  // VarHandle mechanics
  private static final VarHandle PENDING;
  private static final VarHandle FIRST_ERROR;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      PENDING = lookup.findVarHandle(FenceArray.class, "pending", int.class);
      FIRST_ERROR = lookup.findVarHandle(FenceArray.class, "firstError", FenceError.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
