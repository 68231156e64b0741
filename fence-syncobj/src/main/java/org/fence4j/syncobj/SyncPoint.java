package org.fence4j.syncobj;

import java.util.Objects;

/**
 * One point of one sync object, as an element of the lists given to {@link SyncObject#waitAny} and
 * {@link SyncObject#waitAll}. Point 0 is the object's binary view (its current fence).
 *
 * @param syncObject the object
 * @param point the point, {@code >= 0}; 0 for the binary view
 */
public record SyncPoint(SyncObject syncObject, long point) {
  /**
   * Creates a sync point.
   *
   * @param syncObject the object
   * @param point the point, {@code >= 0}; 0 for the binary view
   * @throws NullPointerException if {@code syncObject} is null
   * @throws IllegalArgumentException if {@code point} is negative
   */
  public SyncPoint {
    Objects.requireNonNull(syncObject, "syncObject");
    if (point < 0) {
      throw new IllegalArgumentException("point must not be negative, was " + point);
    }
  }
}
