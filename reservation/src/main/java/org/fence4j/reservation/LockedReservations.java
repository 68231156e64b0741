package org.fence4j.reservation;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The reservation objects locked by {@link ReservationLocks#lockAll(java.util.Collection)}, held
 * until {@link #close()}. Belongs to the locking thread, like the locks themselves.
 */
public final class LockedReservations implements AutoCloseable {
  /*
   * Overview: an immutable list of distinct objects, all locked by "ctx" (null when the list is
   * empty). "closed" is touched only by the owning thread (close() checks the thread first).
   */

  private final @Nullable WwAcquireContext ctx;
  private final List<ReservationObject> objects;
  private boolean closed;

  LockedReservations(@Nullable WwAcquireContext ctx, List<ReservationObject> objects) {
    this.ctx = ctx;
    this.objects = List.copyOf(objects);
  }

  /**
   * Returns the locked objects: distinct, in the order first given.
   *
   * @return an unmodifiable list
   */
  public List<ReservationObject> objects() {
    return objects;
  }

  /**
   * Tells whether {@link #close()} was called.
   *
   * @return whether the objects were unlocked by this handle
   */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Unlocks every object still held through this handle (an object the caller already unlocked by
   * hand is skipped) and ends the acquire context. A second call does nothing.
   *
   * @throws IllegalStateException if called from a thread other than the locking one
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    WwAcquireContext c = ctx;
    if (c == null) {
      closed = true;
      return;
    }
    c.checkThread();
    for (int i = objects.size() - 1; i >= 0; i--) {
      ReservationObject o = objects.get(i);
      if (o.mutex().isHeldBy(c)) {
        o.unlock();
      }
    }
    c.close();
    closed = true;
  }

  /**
   * Returns a debug string with the number of objects and whether they are still held.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    return "LockedReservations[" + objects.size() + " object(s)" + (closed ? ", closed" : "") + "]";
  }
}
