package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.FenceContexts;
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
 * Series {@code waitAny} and {@code waitAll}: how the cost of waiting for any or all of {@code n}
 * grows with {@code n}; the report divides each score by {@code n} (ns per fence waited on).
 *
 * <ul>
 *   <li>{@code waitAny}: {@code n - 1} pending losers (reused: both sides remove their
 *       registrations when done) and a new winner per operation, last in the list, that completes
 *       while the wait registers on it, so both sides go the whole registration path on one thread:
 *       fence4j's {@link Fences#waitAny} registers a wake-up on the {@code n - 1} losers, the
 *       winner's enable hook signals it ({@link SelfSignalingFence}), and the wait removes its
 *       registrations and returns {@code n - 1}; {@code CompletableFuture.anyOf} registers on all
 *       {@code n}, the winner is completed, and {@code anyOf} cleans the losers' stacks. Only the
 *       park and the wake-up are left out (the threaded pair {@code waitAny64-threaded} has them).
 *   <li>{@code waitAll}: {@code n} fences already signaled (reused): {@link Fences#waitAll} only
 *       has to enable and check each; the peer is {@code CompletableFuture.allOf(...).get()} over
 *       {@code n} completed futures.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WaitSeriesBenchmark {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Fences (or futures) per operation. */
  @Param({"1", "8", "64", "512", "4096"})
  public int n;

  private final long winnerContext = FenceContexts.allocate(1);
  private long winnerSeqno;
  private List<Fence> anyFences;
  private CompletableFuture<?>[] anyFutures;
  private List<Fence> signaled;
  private CompletableFuture<?>[] completed;

  @Setup(Level.Trial)
  public void setUp() {
    FenceContext pending = FenceContext.create("bench", "series-wait-pending");
    FenceContext done = FenceContext.create("bench", "series-wait-signaled");
    anyFences = new ArrayList<>(n);
    anyFutures = new CompletableFuture<?>[n];
    List<Fence> all = new ArrayList<>(n);
    completed = new CompletableFuture<?>[n];
    for (int i = 0; i < n; i++) {
      anyFences.add(i < n - 1 ? pending.next() : null); // the last slot: the winner
      anyFutures[i] = new CompletableFuture<Void>();
      Fence f = done.next();
      f.signal();
      all.add(f);
      completed[i] = CompletableFuture.completedFuture(null);
    }
    signaled = Collections.unmodifiableList(all);
  }

  @Benchmark
  public int waitAnyFence4j() throws InterruptedException {
    anyFences.set(n - 1, new SelfSignalingFence(winnerContext, ++winnerSeqno));
    int index = Fences.waitAny(anyFences, TIMEOUT);
    if (index != n - 1) {
      throw new AssertionError("waitAny returned " + index + ", expected " + (n - 1));
    }
    return index;
  }

  @Benchmark
  public Object waitAnyCompletableFuture() throws InterruptedException, ExecutionException {
    CompletableFuture<Void> winner = new CompletableFuture<>();
    anyFutures[n - 1] = winner;
    CompletableFuture<Object> any = CompletableFuture.anyOf(anyFutures);
    winner.complete(null);
    return FenceArrayBenchmark.check(any.isDone(), any).get();
  }

  @Benchmark
  public boolean waitAllFence4j() throws InterruptedException {
    return FenceArrayBenchmark.check(Fences.waitAll(signaled, TIMEOUT), Boolean.TRUE);
  }

  @Benchmark
  public Object waitAllCompletableFuture() throws InterruptedException, ExecutionException {
    CompletableFuture<Void> all = CompletableFuture.allOf(completed);
    all.get();
    return all;
  }

  /**
   * A driver fence whose work is done by the time anyone asks: its enable hook returns {@code
   * false}, so the first registration (or wait) signals it.
   */
  static final class SelfSignalingFence extends Fence {
    SelfSignalingFence(long context, long seqno) {
      super(context, seqno);
    }

    @Override
    protected boolean onEnableSignaling() {
      return false;
    }

    @Override
    public String driverName() {
      return "bench";
    }

    @Override
    public String timelineName() {
      return "self-signaling";
    }
  }
}
