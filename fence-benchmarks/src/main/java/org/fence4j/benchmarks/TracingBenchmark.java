package org.fence4j.benchmarks;

import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.debug.FenceTrace;
import org.jspecify.annotations.Nullable;
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
 * The per-fence cost of a running {@link FenceTrace}: create + signal (the canonical producer path
 * of {@link CreateSignalBenchmark#fence4j()}) with no trace and with one trace recording (default
 * bound, so in steady state each new fence also drops the oldest entry). Not a ratio pair, like
 * {@link TrackingBenchmark}: the {@code off} row should equal {@code
 * CreateSignalBenchmark.fence4j}, and {@code on - off} is what tracing costs per fence (reported in
 * BENCHMARKS.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TracingBenchmark {

  /** Whether a trace records during the trial. */
  @Param({"off", "on"})
  public String tracing;

  private final FenceContext context = FenceContext.create("bench", "tracing");
  private @Nullable FenceTrace trace;

  /** Starts a trace if the parameter says so. */
  @Setup(Level.Trial)
  public void setUp() {
    if (tracing.equals("on")) {
      trace = FenceTrace.start();
    }
  }

  /** Stops the trace. */
  @TearDown(Level.Trial)
  public void tearDown() {
    FenceTrace t = trace;
    if (t != null) {
      t.close();
      trace = null;
    }
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
