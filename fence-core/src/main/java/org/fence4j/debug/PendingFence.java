package org.fence4j.debug;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.fence4j.Fence;

/**
 * A tracked fence that was still pending when {@link FenceTracking#pending()} looked, with what is
 * known about why.
 *
 * @param fence the pending fence
 * @param age how long ago it was constructed
 * @param creationSite where it was constructed, innermost frame first (the code that called the
 *     constructor, e.g. {@code FenceContext.next}, then its callers); empty unless creation sites
 *     were captured ({@link FenceTracking#enable(boolean) enable(true)}, {@code
 *     -Dfence4j.tracking=sites})
 * @param waiters the threads blocked right now in a fence4j wait on this fence ({@code await},
 *     {@code Fences.waitAny/waitAll}, reservation-object, sync-file and syncobj waits) that began
 *     while tracking was on
 * @param waitingOn for an array, chain or other container, the members it still waits for (for a
 *     chain link: its own fence and its previous link, each if pending); empty for a plain fence
 */
public record PendingFence(
    Fence fence,
    Duration age,
    List<StackTraceElement> creationSite,
    List<Thread> waiters,
    List<Fence> waitingOn) {
  /**
   * Creates a record; the lists are copied.
   *
   * @param fence the pending fence
   * @param age how long ago it was constructed
   * @param creationSite where it was constructed; empty if not captured
   * @param waiters the threads blocked on it now
   * @param waitingOn the members it still waits for; empty for a plain fence
   * @throws NullPointerException if an argument or a list element is null
   */
  public PendingFence {
    Objects.requireNonNull(fence, "fence");
    Objects.requireNonNull(age, "age");
    creationSite = List.copyOf(Objects.requireNonNull(creationSite, "creationSite"));
    waiters = List.copyOf(Objects.requireNonNull(waiters, "waiters"));
    waitingOn = List.copyOf(Objects.requireNonNull(waitingOn, "waitingOn"));
  }

  /**
   * Returns the report text of this fence, as the default {@link FenceWatchdog} logs it: a first
   * line with its age and timeline, then its {@link FenceTracking#dump()} block (its {@code
   * describe()} and age; below it its waiters, what it waits on, its creation site). Never throws,
   * never signals the fence.
   *
   * @return the multi-line report, ending with {@code '\n'}
   */
  @Override
  public String toString() {
    return FenceWatchdog.report(this);
  }
}
