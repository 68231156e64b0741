package org.fence4j.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.Fences;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Series {@code merge} and {@code fenceArray}: combining {@code n} pending fences into one, the
 * combination then completed member by member (ns per member in the report).
 *
 * <ul>
 *   <li>{@code merge}: {@code n} new fences over {@code max(1, n / 4)} contexts (round robin, so
 *       each context has about four, in seqno order), {@link Fences#merge(Fence...)} (flattens,
 *       keeps the latest fence per context, sorts by context), enable signaling on the result (as
 *       its first waiter would), signal the {@code n} fences; the result must be signaled.
 *   <li>{@code fenceArray}: what the pair {@code waitAll-1024} does, over {@code n} members: {@code
 *       n} new fences of one context, {@code FenceArray.all}, enable signaling, signal each.
 * </ul>
 *
 * <p>The peer of both is {@code completableFuture}: {@code n} new futures, {@code allOf}, complete
 * each (a Java developer has nothing that merges per timeline).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CombineSeriesBenchmark {

  /** Fences (or futures) per operation. */
  @Param({"1", "8", "64", "512", "4096"})
  public int n;

  private FenceContext[] contexts;
  private FenceContext arrayContext;

  @Setup(Level.Trial)
  public void setUp() {
    contexts = new FenceContext[Math.max(1, n / 4)];
    for (int i = 0; i < contexts.length; i++) {
      contexts[i] = FenceContext.create("bench", "series-merge-" + i);
    }
    arrayContext = FenceContext.create("bench", "series-array");
  }

  @Benchmark
  public Fence mergeFence4j() {
    Fence[] fences = new Fence[n];
    for (int i = 0; i < n; i++) {
      fences[i] = contexts[i % contexts.length].next();
    }
    Fence merged = Fences.merge(fences);
    merged.enableSignaling();
    for (Fence f : fences) {
      f.signal();
    }
    return FenceArrayBenchmark.check(merged.isSignaled(), merged);
  }

  @Benchmark
  public Fence arrayFence4j() {
    return FenceArrayBenchmark.fence4j(arrayContext, n);
  }

  @Benchmark
  public CompletableFuture<Void> completableFuture() {
    return FenceArrayBenchmark.completableFuture(n);
  }
}
