package org.fence4j;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Argument checks: timeouts (with saturating conversion to nanoseconds) and list elements. */
final class Checks {
  private Checks() {}

  /**
   * Returns {@code element}, or throws {@link NullPointerException} naming {@code list[index]}. The
   * message is built only on failure: this runs once per element on hot paths.
   */
  static <T> T element(@org.jspecify.annotations.Nullable T element, String list, int index) {
    if (element == null) {
      throw new NullPointerException(list + "[" + index + "]");
    }
    return element;
  }

  /** Returns {@code timeout} in nanoseconds, saturated at {@code Long.MAX_VALUE}. */
  static long toNanos(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

  /** Returns {@code timeout} {@code unit}s in nanoseconds, saturated. */
  static long toNanos(long timeout, TimeUnit unit) {
    Objects.requireNonNull(unit, "unit");
    if (timeout < 0) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + timeout + " " + unit);
    }
    return unit.toNanos(timeout);
  }
}
