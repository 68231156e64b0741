package org.fence4j.reservation;

import java.util.Objects;

/**
 * Thrown by {@link WwMutex#lock(WwAcquireContext)} (and the reservation object's equivalents) when
 * the acquire context must back off to avoid a deadlock: the kernel's {@code -EDEADLK}.
 *
 * <p>The protocol after catching it: unlock every lock the context holds, call {@link
 * WwMutex#lockSlow(WwAcquireContext)} on {@link #mutex()} (which blocks until that lock is free and
 * never throws this exception), then lock the remaining objects again with the same context, which
 * keeps its age. {@link ReservationLocks#lockAll(java.util.Collection)} does all of this for you.
 *
 * <p>It is only ever thrown to a context that holds at least one lock, and the contended mutex was
 * not acquired: nothing changed.
 */
public class WwDeadlockException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient WwMutex mutex;

  /**
   * Creates the exception for the contended mutex.
   *
   * @param mutex the mutex that could not be taken
   * @throws NullPointerException if {@code mutex} is null
   */
  public WwDeadlockException(WwMutex mutex) {
    super(
        "acquire context must back off on "
            + Objects.requireNonNull(mutex, "mutex")
            + ": unlock every lock it holds, lockSlow() this mutex, then lock the rest again");
    this.mutex = mutex;
    ReservationEvents.backoff(
        mutex); // JFR org.fence4j.WwBackoff: every back-off creates one of these
  }

  /**
   * Returns the contended mutex, the one to pass to {@link WwMutex#lockSlow(WwAcquireContext)}.
   *
   * @return the contended mutex
   */
  public WwMutex mutex() {
    return mutex;
  }
}
