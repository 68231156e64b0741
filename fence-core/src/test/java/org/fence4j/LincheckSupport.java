package org.fence4j;

import java.lang.reflect.Method;
import java.util.Arrays;
import kotlin.Unit;
import kotlin.jvm.functions.Function1;
import kotlin.reflect.jvm.ReflectJvmMapping;
import org.jetbrains.lincheck.datastructures.DSLScenarioBuilder;
import org.jetbrains.lincheck.datastructures.DSLThreadScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * Shared settings of the Lincheck tests, and hand-written scenarios from Java.
 *
 * <p>The suite runs a small, fixed number of scenarios and invocations so that it stays fast on a
 * loaded machine; {@code -Dfence4j.lincheck.scale=N} multiplies the scenarios for a deeper run by
 * hand.
 */
final class LincheckSupport {
  private LincheckSupport() {}

  /** Scenarios per test (times the scale). */
  static final int ITERATIONS = 4 * Integer.getInteger("fence4j.lincheck.scale", 1);

  /** Invocations (interleavings or runs) per scenario. */
  static final int INVOCATIONS = 80;

  /**
   * Model checking with the suite's bounds: two threads of three operations after two initial ones
   * (small scenarios, where races show, and each interleaving is cheap to replay).
   */
  static ModelCheckingOptions modelChecking() {
    return new ModelCheckingOptions()
        .iterations(ITERATIONS)
        .invocationsPerIteration(INVOCATIONS)
        .threads(2)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1);
  }

  /** Stress testing on real threads with the suite's bounds: three threads of three operations. */
  static StressOptions stress() {
    return new StressOptions()
        .iterations(ITERATIONS)
        .invocationsPerIteration(INVOCATIONS)
        .threads(3)
        .actorsPerThread(3)
        .actorsBefore(2)
        .actorsAfter(1);
  }

  /**
   * A hand-written scenario: {@code init} runs first in one thread, then each of {@code threads} in
   * parallel. Each step is {@code "operation"} or {@code "operation:intArg"}, naming a public
   * {@code @Operation} method of {@code test} (operation names are unique per test class). Used to
   * pin a known race as a deterministic model-checking test.
   */
  static Function1<DSLScenarioBuilder, Unit> scenario(
      Class<?> test, String[] init, String[]... threads) {
    return builder -> {
      builder.initial(
          t -> {
            addSteps(test, t, init);
            return Unit.INSTANCE;
          });
      builder.parallel(
          parallel -> {
            for (String[] steps : threads) {
              parallel.thread(
                  t -> {
                    addSteps(test, t, steps);
                    return Unit.INSTANCE;
                  });
            }
            return Unit.INSTANCE;
          });
      return Unit.INSTANCE;
    };
  }

  private static void addSteps(Class<?> test, DSLThreadScenario thread, String[] steps) {
    for (String step : steps) {
      String[] parts = step.split(":");
      Method method =
          Arrays.stream(test.getMethods())
              .filter(m -> m.getName().equals(parts[0]))
              .findFirst()
              .orElseThrow(() -> new IllegalArgumentException("no operation " + parts[0]));
      Object[] args = Arrays.stream(parts).skip(1).map(Integer::valueOf).toArray(Object[]::new);
      thread.actor(ReflectJvmMapping.getKotlinFunction(method), args);
    }
  }
}
