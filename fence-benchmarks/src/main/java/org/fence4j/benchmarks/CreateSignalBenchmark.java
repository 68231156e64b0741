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
import org.openjdk.jmh.annotations.State;

/**
 * Pair 1: create a pending one-shot and signal it, nobody listening.
 *
 * <p>fence4j takes the canonical producer path, {@link FenceContext#next()} then {@link
 * Fence#signal()}; the peers {@code new CompletableFuture<>()} + {@code complete(null)} and {@code
 * SettableFuture.create()} + {@code set(null)}. The two {@code ...CreateOnly} baselines (not ratio
 * rows) leave the signal out, so that the difference is the cost of {@code signal()} alone, and
 * under {@code -prof gc} the difference of {@code gc.alloc.rate.norm} is what {@code signal()}
 * allocates (the target is zero).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CreateSignalBenchmark {

  private final FenceContext context = FenceContext.create("bench", "create-signal");

  @Benchmark
  public Fence fence4j() {
    Fence fence = context.next();
    fence.signal();
    return fence;
  }

  @Benchmark
  public CompletableFuture<Void> completableFuture() {
    CompletableFuture<Void> future = new CompletableFuture<>();
    future.complete(null);
    return future;
  }

  @Benchmark
  public SettableFuture<Void> settableFuture() {
    SettableFuture<Void> future = SettableFuture.create();
    future.set(null);
    return future;
  }

  /** Baseline: {@link FenceContext#next()} alone (the fence stays pending). */
  @Benchmark
  public Fence fence4jCreateOnly() {
    return context.next();
  }

  /** Baseline: {@code new CompletableFuture<>()} alone. */
  @Benchmark
  public CompletableFuture<Void> completableFutureCreateOnly() {
    return new CompletableFuture<>();
  }
}
