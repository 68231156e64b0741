package org.fence4j.syncobj;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.fence4j.Fence;
import org.fence4j.testlib.TestFence;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of a {@link SyncObject}'s state transitions (Lincheck, model checking and
 * stress): host signals, pending points, the point fences signaling underneath, resets and binary
 * signals, racing the queries ({@code lastSignaledPoint}, {@code lastSubmittedPoint}, {@code
 * find}), a polling wait, and {@code whenSubmitted}. Every concurrent history must match some
 * sequential order of the same operations, which the object itself defines when run sequentially.
 */
@Param(name = "point", gen = IntGen.class, conf = "1:3")
public class SyncObjectLincheckTest {
  private static final int POINTS = 3;

  /**
   * Scenarios per test: small, so that the suite stays fast on a loaded machine; {@code
   * -Dfence4j.lincheck.scale=N} multiplies them for a deeper run by hand.
   */
  private static final int SCENARIOS = 4 * Integer.getInteger("fence4j.lincheck.scale", 1);

  private final SyncObject obj = SyncObject.create();
  private final Fence[] fences = new Fence[POINTS + 1];

  /** A fresh object per invocation, and one pending fence per point number. */
  public SyncObjectLincheckTest() {
    for (int p = 1; p <= POINTS; p++) {
      fences[p] = new TestFence();
    }
  }

  /** Host signal of point {@code p}; false when it is not above the last submitted point. */
  @Operation
  public boolean hostSignal(@Param(name = "point") int p) {
    try {
      obj.signal(p);
      return true;
    } catch (IllegalArgumentException unordered) {
      return false;
    }
  }

  /** Adds point {@code p} with its pending fence; false when unordered. */
  @Operation
  public boolean addPending(@Param(name = "point") int p) {
    try {
      obj.addPoint(p, fences[p]);
      return true;
    } catch (IllegalArgumentException unordered) {
      return false;
    }
  }

  /** The fence of point {@code p} signals (the work completes), maybe out of order. */
  @Operation
  public boolean completeWork(@Param(name = "point") int p) {
    return fences[p].signal();
  }

  @Operation
  public void reset() {
    obj.reset();
  }

  @Operation
  public void binarySignal() {
    obj.signal();
  }

  @Operation
  public long lastSignaledPoint() {
    return obj.lastSignaledPoint();
  }

  @Operation
  public long lastSubmittedPoint() {
    return obj.lastSubmittedPoint();
  }

  /** "none", "pending" or "signaled": what find answers for {@code p}. */
  @Operation
  public String find(@Param(name = "point") int p) {
    Optional<Fence> f = obj.find(p);
    return f.isEmpty() ? "none" : f.get().isSignaled() ? "signaled" : "pending";
  }

  /** A polling wait for point {@code p}: "missing" when nothing is submitted, else done or not. */
  @Operation
  public String poll(@Param(name = "point") int p) throws InterruptedException {
    try {
      return SyncObject.waitAll(List.of(obj.at(p)), Duration.ZERO) ? "done" : "pending";
    } catch (IllegalStateException missing) {
      return "missing";
    }
  }

  /** Whether whenSubmitted(p) is complete when it returns; the future is cancelled after. */
  @Operation
  public boolean whenSubmittedDone(@Param(name = "point") int p) {
    CompletableFuture<Fence> future = obj.whenSubmitted(p);
    boolean done = future.isDone();
    future.cancel(false);
    return done;
  }

  @Test
  void modelChecking() {
    new ModelCheckingOptions()
        .iterations(SCENARIOS)
        .invocationsPerIteration(60)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1)
        .check(getClass());
  }

  @Test
  void stress() {
    new StressOptions()
        .iterations(SCENARIOS)
        .invocationsPerIteration(100)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1)
        .check(getClass());
  }
}
