package org.fence4j.reservation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Locks whole collections of reservation objects with the wound/wait protocol, backing off and
 * retrying automatically, so that users rarely touch {@link WwAcquireContext} and {@link
 * WwDeadlockException} themselves.
 *
 * <pre>{@code
 * try (LockedReservations locked = ReservationLocks.lockAll(List.of(a, b, c))) {
 *   for (ReservationObject obj : locked.objects()) {
 *     obj.reserveFences(1);
 *     obj.addFence(jobFence, Usage.WRITE);
 *   }
 * } // unlocks everything
 * }</pre>
 *
 * <p>The objects may be given in any order and may repeat (each is locked once). They must all
 * belong to one {@link WwClass}. Any number of threads may lock overlapping collections in
 * different orders: there is no deadlock, and every call eventually returns, because a call keeps
 * its acquire context (its age) across back-offs and the oldest context never backs off.
 */
public final class ReservationLocks {
  /*
   * Overview: the kernel's acquire loop. Lock every object with one context; on
   * WwDeadlockException unlock everything held, lockSlow the contended object (which cannot fail),
   * and start over; lock(ctx) returns false for the object already held through lockSlow. On any
   * other exit (interrupt, unexpected exception) everything taken is unlocked and the context is
   * closed, so a failed call leaves nothing locked.
   */

  private ReservationLocks() {}

  /**
   * Locks every object of {@code objects}, waiting uninterruptibly.
   *
   * @param objects the objects to lock, all of one {@link WwClass}; duplicates are locked once; may
   *     be empty
   * @return a handle that unlocks them all on {@link LockedReservations#close()}
   * @throws IllegalArgumentException if the objects belong to different classes
   * @throws IllegalStateException if the current thread already holds one of the locks
   * @throws NullPointerException if {@code objects} or one of its elements is null
   */
  public static LockedReservations lockAll(Collection<? extends ReservationObject> objects) {
    try {
      return lock(objects, false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible lockAll was interrupted", e);
    }
  }

  /**
   * Locks every object of {@code objects}; the waits can be interrupted, and then nothing stays
   * locked.
   *
   * @param objects the objects to lock, all of one {@link WwClass}; duplicates are locked once; may
   *     be empty
   * @return a handle that unlocks them all on {@link LockedReservations#close()}
   * @throws InterruptedException if interrupted before or while waiting; nothing is locked
   * @throws IllegalArgumentException if the objects belong to different classes
   * @throws IllegalStateException if the current thread already holds one of the locks
   * @throws NullPointerException if {@code objects} or one of its elements is null
   */
  public static LockedReservations lockAllInterruptibly(
      Collection<? extends ReservationObject> objects) throws InterruptedException {
    return lock(objects, true);
  }

  private static LockedReservations lock(
      Collection<? extends ReservationObject> objects, boolean interruptible)
      throws InterruptedException {
    Objects.requireNonNull(objects, "objects");
    List<ReservationObject> list = distinct(objects);
    if (list.isEmpty()) {
      return new LockedReservations(null, list);
    }
    WwClass cls = list.get(0).wwClass();
    for (ReservationObject o : list) {
      if (o.wwClass() != cls) {
        throw new IllegalArgumentException(
            "all objects must share one WwClass, found " + cls + " and " + o.wwClass());
      }
    }
    if (interruptible && Thread.interrupted()) {
      throw new InterruptedException();
    }
    WwAcquireContext ctx = new WwAcquireContext(cls);
    List<ReservationObject> held = new ArrayList<>(list.size());
    boolean success = false;
    try {
      ReservationObject contended = null;
      boolean restart;
      do {
        restart = false;
        for (ReservationObject o : list) {
          if (o == contended) {
            continue; // held since lockSlow
          }
          try {
            boolean acquired = interruptible ? o.lockInterruptibly(ctx) : o.lock(ctx);
            if (acquired) {
              held.add(o);
            }
          } catch (WwDeadlockException e) {
            unlockAll(held);
            contended = o;
            if (interruptible) {
              o.mutex().lockSlowInterruptibly(ctx);
            } else {
              o.lockSlow(ctx);
            }
            held.add(o);
            restart = true;
            break;
          }
        }
      } while (restart);
      ctx.done();
      success = true;
      return new LockedReservations(ctx, list);
    } finally {
      if (!success) {
        unlockAll(held);
        ctx.close();
      }
    }
  }

  private static List<ReservationObject> distinct(Collection<? extends ReservationObject> objects) {
    Set<ReservationObject> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<ReservationObject> list = new ArrayList<>(objects.size());
    for (ReservationObject o : objects) {
      Objects.requireNonNull(o, "objects contains null");
      if (seen.add(o)) {
        list.add(o);
      }
    }
    return list;
  }

  static void unlockAll(List<ReservationObject> held) {
    for (int i = held.size() - 1; i >= 0; i--) {
      held.get(i).unlock();
    }
    held.clear();
  }
}
