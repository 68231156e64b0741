package org.fence4j.benchmarks;

import com.google.common.util.concurrent.SettableFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Pair 3: ask a signaled one-shot whether it is done: {@link Fence#isSignaled()} against {@code
 * isDone()}. The contract makes it a single volatile read on a signaled fence; at this scale the
 * number is mostly JMH's own per-call overhead, on both sides alike.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IsSignaledBenchmark {

  private Fence fence;
  private CompletableFuture<Void> completableFuture;
  private SettableFuture<Void> settableFuture;

  @Setup
  public void setUp() {
    fence = FenceContext.create("bench", "is-signaled").next();
    fence.signal();
    completableFuture = CompletableFuture.completedFuture(null);
    settableFuture = SettableFuture.create();
    settableFuture.set(null);
  }

  @Benchmark
  public boolean fence4j() {
    return fence.isSignaled();
  }

  @Benchmark
  public boolean completableFuture() {
    return completableFuture.isDone();
  }

  @Benchmark
  public boolean settableFuture() {
    return settableFuture.isDone();
  }
}
