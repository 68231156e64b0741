package org.fence4j;

import java.io.Serializable;
import java.util.Map;

/**
 * An errno-style error a fence can signal with: a negative {@link #code()} in [-4095, -1] and a
 * {@link #name()}.
 *
 * <p>Serializable; a deserialized known error is its constant. The usual codes are constants
 * ({@link #EIO}, {@link #ENOENT}, ...). {@link #of(int)} returns the constant for a known code, so
 * constants may be compared with {@code ==}; in general, errors are equal when their codes are
 * equal. Instances are immutable and thread-safe.
 */
public final class FenceError implements Serializable {
  private static final long serialVersionUID = 1L;

  /** I/O error: the work failed. */
  public static final FenceError EIO = new FenceError(-5, "EIO");

  /** No such entity: for example a point of a software timeline that was closed. */
  public static final FenceError ENOENT = new FenceError(-2, "ENOENT");

  /** Invalid argument. */
  public static final FenceError EINVAL = new FenceError(-22, "EINVAL");

  /** Deadlock avoided: the work was abandoned to break a dependency cycle. */
  public static final FenceError EDEADLK = new FenceError(-35, "EDEADLK");

  /** No data: the work completed without producing data. */
  public static final FenceError ENODATA = new FenceError(-61, "ENODATA");

  /** Timer expired: the work timed out or the engine was reset. */
  public static final FenceError ETIME = new FenceError(-62, "ETIME");

  /** Canceled: the whole context was cancelled. */
  public static final FenceError ECANCELED = new FenceError(-125, "ECANCELED");

  /** The smallest code {@link #of(int)} accepts (the kernel's -MAX_ERRNO). */
  private static final int MIN_CODE = -4095;

  /** Known codes: the constants plus a few common errno names. */
  private static final Map<Integer, FenceError> KNOWN =
      Map.ofEntries(
          entry(EIO),
          entry(ENOENT),
          entry(EINVAL),
          entry(EDEADLK),
          entry(ENODATA),
          entry(ETIME),
          entry(ECANCELED),
          entry(new FenceError(-1, "EPERM")),
          entry(new FenceError(-4, "EINTR")),
          entry(new FenceError(-11, "EAGAIN")),
          entry(new FenceError(-12, "ENOMEM")),
          entry(new FenceError(-14, "EFAULT")),
          entry(new FenceError(-16, "EBUSY")),
          entry(new FenceError(-19, "ENODEV")),
          entry(new FenceError(-110, "ETIMEDOUT")));

  /** The negative errno-style code; the serialized form's identity. */
  private final int code;

  /** The symbolic name. */
  private final String name;

  private FenceError(int code, String name) {
    this.code = code;
    this.name = name;
  }

  private static Map.Entry<Integer, FenceError> entry(FenceError e) {
    return Map.entry(e.code, e);
  }

  /**
   * Returns the error for {@code code}: the constant for a known code, else a new error named
   * {@code "ERRNO_<-code>"}.
   *
   * @param code a negative errno-style code in [-4095, -1]
   * @return the error
   * @throws IllegalArgumentException if {@code code} is outside [-4095, -1]
   */
  public static FenceError of(int code) {
    if (code < MIN_CODE || code > -1) {
      throw new IllegalArgumentException(
          "error code must be in [" + MIN_CODE + ", -1], was " + code);
    }
    FenceError known = KNOWN.get(code);
    return known != null ? known : new FenceError(code, "ERRNO_" + Integer.toString(-code));
  }

  /**
   * Returns the negative errno-style code.
   *
   * @return the code, in [-4095, -1]
   */
  public int code() {
    return code;
  }

  /**
   * Returns the symbolic name: the constant's identifier for a known code ({@code "EIO"}).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Deserializes to the constant for a known code.
   *
   * @return the canonical error for this code
   */
  private Object readResolve() {
    return of(code);
  }

  /** Errors are equal when their codes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof FenceError && ((FenceError) o).code == code;
  }

  @Override
  public int hashCode() {
    return code;
  }

  /** Returns {@code "NAME(code)"}, for example {@code "EIO(-5)"}. */
  @Override
  public String toString() {
    return name + "(" + code + ")";
  }
}
