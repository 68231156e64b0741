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
import org.fence4j.Fences;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Pair 4: wait for the first of 64 to signal, where the winner is the last of the 64.
 *
 * <p>{@code threaded}: the 63 others stay pending (they are reused: both sides remove their
 * registrations once they return); the 64th is new for every operation, and a second thread signals
 * it once the waiter has been blocked (its thread state {@code WAITING} or {@code TIMED_WAITING})
 * for {@link ParkedWaiterSignaler#DWELL_NANOS 20 µs}, so both sides go the whole way: register on
 * all 64, sleep, be woken by the signal, deregister. The dwell and the operating system's wake-up
 * are in both numbers alike, so this pair's ratio is close to 1 by construction; the difference
 * between the two is what the libraries do. fence4j calls {@link Fences#waitAny(List, Duration)},
 * which must return 63; the peer calls {@code CompletableFuture.anyOf(...).get()}.
 *
 * <p>{@code presignaled}: the same 64 with the last one already signaled: the call only has to find
 * it (fence4j must return the lowest signaled index, so it looks at all 64; so does {@code anyOf},
 * which takes the first completed input).
 *
 * <p>Guava has no "any of" combinator; its nearest, {@code Futures.inCompletionOrder}, leaves a
 * listener on every input that is still pending, so it cannot be run against reused pending inputs
 * and has no row here.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WaitAnyBenchmark {

  static final int WIDTH = 64;

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** The 63 pending losers on each side, reused by every operation. */
  @State(Scope.Thread)
  public static class Losers {
    final List<Fence> fences = new ArrayList<>(WIDTH);
    final CompletableFuture<?>[] futures = new CompletableFuture<?>[WIDTH];

    @Setup
    public void setUp() {
      FenceContext pending = FenceContext.create("bench", "wait-any-pending");
      for (int i = 0; i < WIDTH - 1; i++) {
        fences.add(pending.next());
        futures[i] = new CompletableFuture<Void>();
      }
      fences.add(null); // the winner's slot
    }
  }

  /**
   * The other thread: signals the published winner once the waiter has been parked for {@link
   * ParkedWaiterSignaler#DWELL_NANOS}.
   */
  @State(Scope.Thread)
  public static class Signaler {
    final FenceContext winners = FenceContext.create("bench", "wait-any-winner");
    final ParkedWaiterSignaler<Object> other =
        new ParkedWaiterSignaler<>("wait-any-signaler", Signaler::signal);

    @Setup(Level.Trial)
    public void start() {
      other.start();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      other.stop();
    }

    void publish(Object winner) {
      other.publish(winner);
    }

    private static void signal(Object winner) {
      if (winner instanceof Fence) {
        ((Fence) winner).signal();
      } else {
        ((CompletableFuture<?>) winner).complete(null);
      }
    }
  }

  /** The same 64 with the last one already signaled. */
  @State(Scope.Thread)
  public static class Presignaled {
    List<Fence> fences;
    CompletableFuture<?>[] futures;

    @Setup
    public void setUp(Losers losers) {
      fences = new ArrayList<>(losers.fences);
      Fence winner = FenceContext.create("bench", "wait-any-presignaled").next();
      winner.signal();
      fences.set(WIDTH - 1, winner);
      fences = Collections.unmodifiableList(fences);
      futures = losers.futures.clone();
      futures[WIDTH - 1] = CompletableFuture.completedFuture(null);
    }
  }

  @Benchmark
  public int fence4jThreaded(Losers losers, Signaler signaler) throws InterruptedException {
    Fence winner = signaler.winners.next();
    losers.fences.set(WIDTH - 1, winner);
    signaler.publish(winner);
    return check(Fences.waitAny(losers.fences, TIMEOUT));
  }

  @Benchmark
  public Object completableFutureThreaded(Losers losers, Signaler signaler)
      throws InterruptedException, ExecutionException {
    CompletableFuture<Void> winner = new CompletableFuture<>();
    losers.futures[WIDTH - 1] = winner;
    signaler.publish(winner);
    return CompletableFuture.anyOf(losers.futures).get();
  }

  @Benchmark
  public int fence4jPresignaled(Presignaled state) throws InterruptedException {
    return check(Fences.waitAny(state.fences, TIMEOUT));
  }

  @Benchmark
  public Object completableFuturePresignaled(Presignaled state)
      throws InterruptedException, ExecutionException {
    return CompletableFuture.anyOf(state.futures).get();
  }

  private static int check(int index) {
    if (index != WIDTH - 1) {
      throw new AssertionError("waitAny returned " + index + ", expected " + (WIDTH - 1));
    }
    return index;
  }
}
