/**
 * Implicit synchronization of shared buffers: the fences of each buffer, deadlock-free locking of
 * several buffers, and KDS-style access requests over several buffers.
 *
 * <ul>
 *   <li>{@link org.fence4j.reservation.ReservationObject} holds the fences of one buffer, tagged
 *       with a {@link org.fence4j.reservation.ReservationObject.Usage}, and offers the classic
 *       exclusive + shared view on the same data. Readers are lock-free; writers hold the object's
 *       lock.
 *   <li>{@link org.fence4j.reservation.WwMutex}, {@link org.fence4j.reservation.WwAcquireContext}
 *       and {@link org.fence4j.reservation.WwClass} are the kernel's wound/wait mutexes: several
 *       locks taken in any order without deadlock. {@link
 *       org.fence4j.reservation.ReservationLocks#lockAll(java.util.Collection)} wraps the back-off
 *       protocol for whole collections of reservation objects.
 *   <li>{@link org.fence4j.reservation.ResourceSet} queues exclusive and shared access requests on
 *       several buffers at once and grants them in FIFO order, synchronously or asynchronously.
 * </ul>
 *
 * <p>Every reference parameter is non-null unless documented otherwise; a {@code null} fails at the
 * call with a {@link java.lang.NullPointerException} naming the parameter.
 */
@NullMarked
package org.fence4j.reservation;

import org.jspecify.annotations.NullMarked;
