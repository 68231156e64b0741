package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.benchmarks.SyncObjectBenchmark.LockCounter;
import org.fence4j.syncobj.SyncObject;
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
 * Series {@code syncobj-add}, {@code syncobj-query} and {@code syncobj-wait}: a timeline with
 * {@code n} pending points (ns per point in the report).
 *
 * <p>The peer, as in {@link SyncObjectBenchmark}: a counter that waits for a value ({@link
 * LockCounter}, a {@code ReentrantLock} and a {@code Condition}); a point {@code p} whose work is a
 * {@link CompletableFuture} is attached the way a Java developer would, {@code work.thenRun(() ->
 * counter.signal(p))}.
 *
 * <ul>
 *   <li>{@code add}: a new timeline, then {@code n} points {@code addPoint(p, work)} each with new
 *       pending work (a fence of one context; the peer: a new future and its {@code thenRun}).
 *   <li>{@code query}: on a timeline holding {@code n} pending points (made once), {@code n} reads
 *       of the counter value ({@code lastSignaledPoint()}; the peer: {@code value()}).
 *   <li>{@code wait}: {@code add}, then the work of every point completes in order, then wait for
 *       point {@code n} ({@code SyncObject.waitAll} of {@code at(n)}; the peer: {@code await(n)}).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SyncObjectSeriesBenchmark {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Points on the timeline. */
  @Param({"1", "8", "64", "512", "4096"})
  public int n;

  private final FenceContext work = FenceContext.create("bench", "series-syncobj-work");
  private SyncObject queried;
  private LockCounter queriedCounter;
  private CompletableFuture<?>[] queriedWork;

  @Setup(Level.Trial)
  public void setUp() {
    queried = addFence4j();
    queriedCounter = new LockCounter();
    queriedWork = attach(queriedCounter, n);
  }

  @Benchmark
  public SyncObject addFence4j() {
    SyncObject timeline = SyncObject.create();
    for (int p = 1; p <= n; p++) {
      timeline.addPoint(p, work.next());
    }
    return timeline;
  }

  @Benchmark
  public CompletableFuture<?>[] addLockCondition() {
    return attach(new LockCounter(), n);
  }

  @Benchmark
  public long queryFence4j() {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      sum += queried.lastSignaledPoint();
    }
    return check(sum == 0, sum);
  }

  @Benchmark
  public long queryLockCondition() {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      sum += queriedCounter.value();
    }
    return check(sum == 0 && queriedWork.length == n, sum);
  }

  @Benchmark
  public boolean waitFence4j() throws InterruptedException {
    SyncObject timeline = SyncObject.create();
    Fence[] fences = new Fence[n];
    for (int p = 1; p <= n; p++) {
      fences[p - 1] = work.next();
      timeline.addPoint(p, fences[p - 1]);
    }
    for (Fence f : fences) {
      f.signal();
    }
    return check(SyncObject.waitAll(List.of(timeline.at(n)), TIMEOUT), true);
  }

  @Benchmark
  public boolean waitLockCondition() throws InterruptedException {
    LockCounter counter = new LockCounter();
    CompletableFuture<?>[] futures = attach(counter, n);
    for (CompletableFuture<?> f : futures) {
      f.complete(null);
    }
    return check(counter.await(n, TIMEOUT.toNanos()), true);
  }

  /** Points 1..n of the peer: new pending work each, advancing the counter when done. */
  private static CompletableFuture<?>[] attach(LockCounter counter, int n) {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[n];
    for (int p = 1; p <= n; p++) {
      long point = p;
      CompletableFuture<Void> f = new CompletableFuture<>();
      f.thenRun(() -> counter.signal(point));
      futures[p - 1] = f;
    }
    return futures;
  }

  private static <T> T check(boolean ok, T value) {
    if (!ok) {
      throw new AssertionError("unexpected result " + value);
    }
    return value;
  }
}
