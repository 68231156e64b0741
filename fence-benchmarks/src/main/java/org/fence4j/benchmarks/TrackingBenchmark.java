package org.fence4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.debug.FenceTracking;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-fence cost of {@link FenceTracking}: create + signal (the canonical producer path of
 * {@link CreateSignalBenchmark#fence4j()}) with tracking off, on, and on with creation sites. Not a
 * ratio pair: the {@code off} row should equal {@code CreateSignalBenchmark.fence4j}, and the
 * differences {@code on - off} and {@code sites - off} are what tracking costs per fence (reported
 * in BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TrackingBenchmark {

  /** Tracking mode for the trial. */
  @Param({"off", "on", "sites"})
  public String tracking;

  private final FenceContext context = FenceContext.create("bench", "tracking");

  /** Switches tracking as the parameter says. */
  @Setup(Level.Trial)
  public void setUp() {
    if (tracking.equals("off")) {
      FenceTracking.disable();
    } else {
      FenceTracking.enable(tracking.equals("sites"));
    }
  }

  /** Switches tracking off again. */
  @TearDown(Level.Trial)
  public void tearDown() {
    FenceTracking.disable();
  }

  /**
   * Creates a fence and signals it.
   *
   * @return the fence, so that it is not optimized away
   */
  @Benchmark
  public Fence createSignal() {
    Fence fence = context.next();
    fence.signal();
    return fence;
  }
}
