package org.fence4j.benchmarks;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

import com.google.common.util.concurrent.SettableFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Pair 2: signal with 1 and with 8 inline callbacks registered.
 *
 * <p>One operation is the whole life of a one-shot with listeners: create it, register {@code
 * callbacks} inline callbacks, signal it (which runs them on the signaling thread). fence4j uses
 * {@link Fence#addCallback(FenceCallback)}; {@code CompletableFuture} uses {@code
 * thenRun(Runnable)} (its inline form, which also makes a dependent future per call); Guava uses
 * {@code addListener(Runnable, directExecutor())}. Every callback does the same work, a plain
 * increment of a counter; the callback objects are made once, so no benchmark pays for allocating
 * lambdas.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SignalCallbacksBenchmark {

  @Param({"1", "8"})
  public int callbacks;

  private final FenceContext context = FenceContext.create("bench", "signal-callbacks");
  private FenceCallback fenceCallback;
  private Runnable runnable;
  private long hits;

  @Setup
  public void setUp() {
    fenceCallback = fence -> hits++;
    runnable = () -> hits++;
  }

  @Benchmark
  public long fence4j(Blackhole blackhole) {
    Fence fence = context.next();
    for (int i = 0; i < callbacks; i++) {
      fence.addCallback(fenceCallback);
    }
    fence.signal();
    blackhole.consume(fence);
    return hits;
  }

  @Benchmark
  public long completableFuture(Blackhole blackhole) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    for (int i = 0; i < callbacks; i++) {
      future.thenRun(runnable);
    }
    future.complete(null);
    blackhole.consume(future);
    return hits;
  }

  @Benchmark
  public long settableFuture(Blackhole blackhole) {
    SettableFuture<Void> future = SettableFuture.create();
    for (int i = 0; i < callbacks; i++) {
      future.addListener(runnable, directExecutor());
    }
    future.set(null);
    blackhole.consume(future);
    return hits;
  }
}
