package org.fence4j;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown (or used to complete a future exceptionally) when a fence signaled with an error; carries
 * that {@link FenceError} and, as its {@link #getCause() cause}, the fence's {@link Fence#cause()}
 * if it has one.
 */
public class FenceErrorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The error this exception carries. */
  private final FenceError error;

  /**
   * Creates an exception for {@code error} with a default message.
   *
   * @param error the error the fence signaled with
   * @throws NullPointerException if {@code error} is null
   */
  public FenceErrorException(FenceError error) {
    this(error, "fence signaled with error " + Objects.requireNonNull(error, "error"));
  }

  /**
   * Creates an exception for {@code error} with the given message.
   *
   * @param error the error the fence signaled with
   * @param message the detail message
   * @throws NullPointerException if an argument is null
   */
  public FenceErrorException(FenceError error, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.error = Objects.requireNonNull(error, "error");
  }

  /**
   * Creates an exception for {@code error} with the given message and the throwable that caused the
   * fence to fail (see {@link Fence#cause()}).
   *
   * @param error the error the fence signaled with
   * @param message the detail message
   * @param cause the cause of the failure, or {@code null} if there is none
   * @throws NullPointerException if {@code error} or {@code message} is null
   */
  public FenceErrorException(FenceError error, String message, @Nullable Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.error = Objects.requireNonNull(error, "error");
  }

  /**
   * Returns the error the fence signaled with.
   *
   * @return the error, never null
   */
  public FenceError error() {
    return error;
  }
}
