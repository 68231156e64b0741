package org.fence4j.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The timeout argument of every fence4j wait, checked and converted in one place: {@code null} is
 * {@link NullPointerException} naming the parameter, a negative timeout is {@link
 * IllegalArgumentException}, zero means "poll", and a timeout too long for a {@code long} of
 * nanoseconds saturates at {@link Long#MAX_VALUE} (in effect: forever). Not API: exported only to
 * the fence4j modules.
 */
public final class Timeouts {
  private Timeouts() {}

  /**
   * Returns {@code timeout} in nanoseconds, saturated at {@link Long#MAX_VALUE}.
   *
   * @param timeout a non-negative timeout
   * @return the timeout in nanoseconds
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public static long toNanos(Duration timeout) {
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

  /**
   * Returns {@code timeout} {@code unit}s in nanoseconds, saturated at {@link Long#MAX_VALUE}.
   *
   * @param timeout a non-negative amount
   * @param unit its unit
   * @return the timeout in nanoseconds
   * @throws NullPointerException if {@code unit} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public static long toNanos(long timeout, TimeUnit unit) {
    Objects.requireNonNull(unit, "unit");
    if (timeout < 0) {
      throw new IllegalArgumentException(
          "timeout must not be negative, was " + timeout + " " + unit);
    }
    return unit.toNanos(timeout);
  }
}
