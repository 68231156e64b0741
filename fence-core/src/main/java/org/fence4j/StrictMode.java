package org.fence4j;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The violation hook shared by fence4j's strict modes.
 *
 * <p>Strict modes are off by default and switched on per object ({@link
 * FenceContext#setStrict(boolean)}, and the reservation module's {@code
 * ReservationObject.setStrict}). When a strict object sees a producer bug (a fence signaled before
 * an earlier fence of its context; an exclusive fence that signals before a fence it replaced) it
 * reports a one-line description here. The default handler logs it as a warning on the {@code
 * org.fence4j} {@link System.Logger}; tests and debug builds can install a handler that records or
 * throws.
 *
 * <p>Thread-safe. Handlers run in the thread that detects the violation, often inside a fence
 * callback: a handler that throws is treated like a throwing callback (reported, never stopping the
 * signal).
 */
public final class StrictMode {
  private static final Consumer<String> DEFAULT_HANDLER = StrictMode::logWarning;

  /** The installed handler; written rarely, read on every violation. */
  private static volatile Consumer<? super String> handler = DEFAULT_HANDLER;

  private static void logWarning(String message) {
    System.getLogger("org.fence4j").log(Level.WARNING, message);
  }

  private StrictMode() {}

  /**
   * Installs the handler that receives violation reports.
   *
   * @param handler the new handler, or {@code null} to restore the default (log a warning)
   */
  public static void setViolationHandler(@Nullable Consumer<? super String> handler) {
    StrictMode.handler = handler != null ? handler : DEFAULT_HANDLER;
  }

  /**
   * Reports a violation to the installed handler. Used by fence4j's strict modes; drivers may
   * report their own producer bugs too.
   *
   * @param message a one-line description of the violation
   * @throws NullPointerException if {@code message} is null
   */
  public static void reportViolation(String message) {
    java.util.Objects.requireNonNull(message, "message");
    handler.accept(message);
  }
}
