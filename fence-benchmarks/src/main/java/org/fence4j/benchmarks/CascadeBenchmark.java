package org.fence4j.benchmarks;

import static com.google.common.util.concurrent.MoreExecutors.directExecutor;

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
 * Pair 6: a 10,000-link cascade, each link's callback signaling the next.
 *
 * <p>One operation: build the chain of 10,000 pending one-shots, then signal the first; the whole
 * cascade runs inside that call, and the last link must be done when it returns. fence4j links
 * fence {@code i} to fence {@code i + 1} with a callback that calls {@code signal()} (the library
 * must trampoline, not recurse); {@code CompletableFuture} builds the same chain with {@code
 * thenRun} (which makes each dependent stage and links it in one call). Guava's {@code
 * addListener(() -> next.set(...), directExecutor())} recurses once per link and overflows the
 * stack at this depth, so its row uses Guava's own stack-safe link, {@code
 * next.setFuture(previous)}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CascadeBenchmark {

  static final int LINKS = 10_000;

  private static final Runnable NOTHING = () -> {};

  private final FenceContext context = FenceContext.create("bench", "cascade");

  @Benchmark
  public Fence fence4j() {
    Fence first = context.next();
    Fence last = first;
    for (int i = 1; i < LINKS; i++) {
      Fence next = context.next();
      last.addCallback(f -> next.signal());
      last = next;
    }
    first.signal();
    return FenceArrayBenchmark.check(last.isSignaled(), last);
  }

  @Benchmark
  public CompletableFuture<Void> completableFuture() {
    CompletableFuture<Void> first = new CompletableFuture<>();
    CompletableFuture<Void> last = first;
    for (int i = 1; i < LINKS; i++) {
      last = last.thenRun(NOTHING);
    }
    first.complete(null);
    return FenceArrayBenchmark.check(last.isDone(), last);
  }

  @Benchmark
  public SettableFuture<Boolean> settableFuture() {
    SettableFuture<Boolean> first = SettableFuture.create();
    SettableFuture<Boolean> last = first;
    for (int i = 1; i < LINKS; i++) {
      SettableFuture<Boolean> next = SettableFuture.create();
      next.setFuture(last);
      last = next;
    }
    first.set(Boolean.TRUE);
    return FenceArrayBenchmark.check(last.isDone(), last);
  }

  /** Kept for the record: the direct Guava translation, which overflows the stack. */
  static SettableFuture<Boolean> settableFutureByListeners(int links) {
    SettableFuture<Boolean> first = SettableFuture.create();
    SettableFuture<Boolean> last = first;
    for (int i = 1; i < links; i++) {
      SettableFuture<Boolean> next = SettableFuture.create();
      last.addListener(() -> next.set(Boolean.TRUE), directExecutor());
      last = next;
    }
    first.set(Boolean.TRUE);
    return last;
  }
}
