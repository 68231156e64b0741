package org.fence4j.reservation;

import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.reservation.ReservationObject.Usage;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of one {@link ReservationObject} (Lincheck, model checking and stress): writers
 * that add a fence or replace a context's fences (each locking, reserving and unlocking), fences
 * signaling underneath, and the lock-free readers {@code fences(usage)} and {@code
 * testSignaled(usage)}. Every concurrent history must match some sequential order of the same
 * operations; in particular a reader never sees a half-applied update, and a cached answer of
 * {@code fences(usage)} is never returned once one of its fences has signaled.
 */
@Param(name = "fence", gen = IntGen.class, conf = "0:2")
@Param(name = "usage", gen = IntGen.class, conf = "0:3")
public class ReservationObjectLincheckTest {
  private static final int FENCES = 3;

  /**
   * Scenarios per test: small, so that the suite stays fast on a loaded machine; {@code
   * -Dfence4j.lincheck.scale=N} multiplies them for a deeper run by hand.
   */
  private static final int SCENARIOS = 4 * Integer.getInteger("fence4j.lincheck.scale", 1);

  private final ReservationObject obj = new ReservationObject();
  private final Fence[] fences = new Fence[FENCES];
  private final Fence[] replacements = new Fence[FENCES];

  /** A fresh object per invocation; fence i and replacement i share context i. */
  public ReservationObjectLincheckTest() {
    long first = FenceContexts.allocate(FENCES);
    for (int i = 0; i < FENCES; i++) {
      fences[i] = new TestSupport.RecordingFence(first + i, 1);
      replacements[i] = new TestSupport.RecordingFence(first + i, 2);
    }
  }

  private static Usage usage(int u) {
    return Usage.values()[u];
  }

  /** Locks, reserves one slot, adds fence {@code i} with usage {@code u}, unlocks. */
  @Operation
  public void add(@Param(name = "fence") int i, @Param(name = "usage") int u) {
    obj.lock();
    try {
      obj.reserveFences(1);
      obj.addFence(fences[i], usage(u));
    } finally {
      obj.unlock();
    }
  }

  /** Locks, replaces the entries of fence {@code i}'s context by its replacement, unlocks. */
  @Operation
  public void replace(@Param(name = "fence") int i, @Param(name = "usage") int u) {
    obj.lock();
    try {
      obj.replaceFences(fences[i].context(), replacements[i], usage(u));
    } finally {
      obj.unlock();
    }
  }

  /** Signals fence {@code i} (false if it had signaled). */
  @Operation
  public boolean signal(@Param(name = "fence") int i) {
    return fences[i].signal();
  }

  /** Signals replacement {@code i}. */
  @Operation
  public boolean signalReplacement(@Param(name = "fence") int i) {
    return replacements[i].signal();
  }

  /** The unsignaled fences covered by usage {@code u}, as names in storage order. */
  @Operation
  public String fences(@Param(name = "usage") int u) {
    List<Fence> list = obj.fences(usage(u));
    StringBuilder sb = new StringBuilder();
    for (Fence f : list) {
      for (int i = 0; i < FENCES; i++) {
        if (f == fences[i]) {
          sb.append('f').append(i).append(' ');
        } else if (f == replacements[i]) {
          sb.append('r').append(i).append(' ');
        }
      }
    }
    return sb.toString();
  }

  @Operation
  public boolean testSignaled(@Param(name = "usage") int u) {
    return obj.testSignaled(usage(u));
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
