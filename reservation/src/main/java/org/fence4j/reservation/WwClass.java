package org.fence4j.reservation;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A class of wound/wait mutexes: the deadlock-avoidance algorithm they share and the ticket counter
 * that gives every {@link WwAcquireContext} of the class its age.
 *
 * <p>Two algorithms are offered, as in the kernel:
 *
 * <ul>
 *   <li><b>Wait-Die</b> ({@link #waitDie(String)}): a context that meets a lock held (or already
 *       awaited) by an <em>older</em> context, while it holds other locks itself, <em>dies</em>: it
 *       gets a {@link WwDeadlockException} and must back off. A younger holder is simply waited
 *       for. Reservation objects use this class by default ({@link ReservationObject#WW_CLASS}).
 *   <li><b>Wound-Wait</b> ({@link #woundWait(String)}): an older context that meets a lock held by
 *       a younger context <em>wounds</em> the holder and waits; the wounded context backs off at
 *       its next contended lock (or at once, if it is already waiting for one).
 * </ul>
 *
 * <p>Every mutex and every acquire context belongs to exactly one class; mixing classes is an
 * {@link IllegalArgumentException}. Instances are immutable apart from the ticket counter and are
 * safe to share between threads. Identity equality.
 */
public final class WwClass {
  /*
   * Overview: the class is a name, a flag choosing the algorithm, and a monotonically increasing
   * ticket counter. Tickets are handed out by getAndIncrement, so two contexts of one class never
   * share a ticket and a lower ticket always means an older context.
   */

  private final String name;
  private final boolean waitDie;
  private final AtomicLong nextStamp = new AtomicLong(1); // the next ticket; never reused

  private WwClass(String name, boolean waitDie) {
    this.name = name;
    this.waitDie = waitDie;
  }

  /**
   * Creates a Wait-Die class.
   *
   * @param name a debug name
   * @return a new class
   * @throws NullPointerException if {@code name} is null
   */
  public static WwClass waitDie(String name) {
    return new WwClass(Objects.requireNonNull(name, "name"), true);
  }

  /**
   * Creates a Wound-Wait class.
   *
   * @param name a debug name
   * @return a new class
   * @throws NullPointerException if {@code name} is null
   */
  public static WwClass woundWait(String name) {
    return new WwClass(Objects.requireNonNull(name, "name"), false);
  }

  /**
   * Returns the debug name given at creation.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Tells whether this class uses the Wait-Die algorithm.
   *
   * @return {@code true} for Wait-Die, {@code false} for Wound-Wait
   */
  public boolean isWaitDie() {
    return waitDie;
  }

  /** Returns the next ticket of this class; lower tickets are older. */
  long nextStamp() {
    return nextStamp.getAndIncrement();
  }

  /**
   * Returns a debug string with the name and the algorithm.
   *
   * @return a debug string
   */
  @Override
  public String toString() {
    return "WwClass[" + name + ", " + (waitDie ? "wait-die" : "wound-wait") + "]";
  }
}
