package org.fence4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Repeats a race, bounded in rounds and in time: each round makes fresh state, releases every party
 * at once through a barrier, waits for all of them, then checks the outcome. Failures in parties or
 * checks fail the test; every thread is gone when {@link #run} returns.
 */
final class Race {
  /** Per-round bound on a party; only hit when something hangs. */
  private static final long STEP_BOUND_SECONDS = 20;

  private Race() {}

  /** One racing action. */
  @FunctionalInterface
  interface Party<S> {
    void run(S state) throws Exception;
  }

  /**
   * Runs rounds until {@code maxRounds} or {@code budget} is reached (at least one round).
   *
   * @return the number of rounds run
   */
  static <S> int run(
      int maxRounds, Duration budget, Supplier<S> setup, List<Party<S>> parties, Consumer<S> check)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parties.size());
    try {
      long deadline = System.nanoTime() + budget.toNanos();
      int rounds = 0;
      do {
        S state = setup.get();
        CyclicBarrier start = new CyclicBarrier(parties.size());
        List<Future<?>> running = new ArrayList<>();
        for (Party<S> party : parties) {
          running.add(
              pool.submit(
                  () -> {
                    start.await(STEP_BOUND_SECONDS, TimeUnit.SECONDS);
                    party.run(state);
                    return null;
                  }));
        }
        for (Future<?> f : running) {
          try {
            f.get(STEP_BOUND_SECONDS, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error) {
              throw (Error) cause;
            }
            throw (Exception) cause;
          }
        }
        check.accept(state);
        rounds++;
      } while (rounds < maxRounds && deadline - System.nanoTime() > 0);
      return rounds;
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(STEP_BOUND_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("race threads did not end");
      }
    }
  }
}
