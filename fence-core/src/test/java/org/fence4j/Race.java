package org.fence4j;

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
 * Repeats a race a fixed number of rounds: each round makes fresh state, releases every party at
 * once through a barrier, waits for all of them, then checks the outcome. Failures in parties or
 * checks fail the test; every thread is gone when {@link #run} returns.
 *
 * <p>Bounded by rounds, not by time: on a loaded machine a time budget would silently run only a
 * few rounds. The only time bound is a per-step safety net that fails the test when a party hangs.
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
   * Runs exactly {@code rounds} rounds (at least one).
   *
   * @return the number of rounds run
   */
  static <S> int run(int rounds, Supplier<S> setup, List<Party<S>> parties, Consumer<S> check)
      throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds must be positive, was " + rounds);
    }
    ExecutorService pool = Executors.newFixedThreadPool(parties.size());
    try {
      for (int round = 0; round < rounds; round++) {
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
      }
      return rounds;
    } finally {
      pool.shutdownNow();
      if (!pool.awaitTermination(STEP_BOUND_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError("race threads did not end");
      }
    }
  }
}
