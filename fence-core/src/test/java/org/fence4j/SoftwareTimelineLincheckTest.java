package org.fence4j;

import java.util.ArrayList;
import java.util.List;
import org.fence4j.internal.TimelineRegistry;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of a {@link SoftwareTimeline} (Lincheck, model checking and stress): {@code
 * increment}, {@code createFence}, {@code value}, {@code pendingPoints}, and a direct signal of a
 * point created up front. Sequentially, a point is born signaled at or below the value, a pending
 * point is returned again for its value, and a point signaled directly is no longer pending.
 */
@Param(name = "value", gen = IntGen.class, conf = "0:3")
@Param(name = "n", gen = IntGen.class, conf = "0:2")
public class SoftwareTimelineLincheckTest {
  private final SoftwareTimeline timeline = SoftwareTimeline.create("lincheck");
  private final Fence pointTwo = timeline.createFence(2);

  /** A fresh timeline per invocation (Lincheck needs a public no-argument constructor). */
  public SoftwareTimelineLincheckTest() {}

  @Operation
  public void increment(@Param(name = "n") int n) {
    timeline.increment(n);
  }

  /**
   * What createFence hands out: "pointTwo" (the pending point made up front), "signaled" (born
   * signaled, or signaled since by an increment: the same as born signaled after it), or "pending".
   */
  @Operation
  public String createFence(@Param(name = "value") int value) {
    Fence point = timeline.createFence(value);
    if (point == pointTwo) {
      return "pointTwo";
    }
    return point.isSignaled() ? "signaled" : "pending";
  }

  /** Asking twice gives the same point, unless the first one has signaled since. */
  @Operation
  public boolean createFenceTwice(@Param(name = "value") int value) {
    Fence first = timeline.createFence(value);
    Fence second = timeline.createFence(value);
    return first == second || first.isSignaled();
  }

  @Operation
  public long value() {
    return timeline.value();
  }

  /** The values of the pending points, in order. */
  @Operation
  public List<Long> pendingPoints() {
    List<Long> values = new ArrayList<>();
    for (Fence point : timeline.pendingPoints()) {
      values.add(point.seqno());
    }
    return values;
  }

  /** Signals the point created for value 2 directly, as its holder may. */
  @Operation
  public boolean cancelPointTwo() {
    return pointTwo.signal(FenceError.ECANCELED);
  }

  @Test
  void modelChecking() {
    LincheckSupport.modelChecking()
        .invocationsPerIteration(LincheckSupport.INVOCATIONS / 2) // each one replays a lock
        .addGuarantee(
            ManagedStrategyGuaranteeKt.forClasses(
                    "java.util.TreeMap", "java.util.ArrayList", TimelineRegistry.class.getName())
                .allMethods()
                .treatAsAtomic())
        .check(getClass());
  }

  @Test
  void stress() {
    LincheckSupport.stress().check(getClass());
  }
}
