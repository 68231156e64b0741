package org.fence4j;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** Timeout validation and saturating conversion to nanoseconds. */
final class Timeouts {
  private Timeouts() {}

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
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout + " " + unit);
    }
    return unit.toNanos(timeout);
  }
}
