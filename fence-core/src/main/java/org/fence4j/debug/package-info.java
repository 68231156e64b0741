/**
 * Diagnosis: find a fence that never signals, and say who waits on it, since when, and on what.
 *
 * <ul>
 *   <li>{@link org.fence4j.debug.FenceTracking} keeps a weak registry of the fences constructed
 *       while it is on ({@code -Dfence4j.tracking=true}, or {@code =sites} to capture creation
 *       stacks, or {@link org.fence4j.debug.FenceTracking#enable(boolean)}); {@link
 *       org.fence4j.debug.FenceTracking#pending()} lists the pending ones as {@link
 *       org.fence4j.debug.PendingFence}s with their age, creation site, blocked threads and the
 *       members they still wait for, and {@link org.fence4j.debug.FenceTracking#dump()} prints them
 *       one block per timeline.
 *   <li>{@link org.fence4j.debug.FenceWatchdog} reports every fence pending longer than a
 *       threshold, once, from a daemon thread.
 *   <li>{@link org.fence4j.debug.SignalingSection} marks code that must not block on fences (the
 *       kernel's signaling annotations); fence callbacks are checked the same way.
 *   <li>JFR events, visible in JDK Mission Control under "fence4j": {@code org.fence4j.FenceWait}
 *       (every blocking wait), {@code org.fence4j.FenceHung} (every watchdog report), {@code
 *       org.fence4j.SignalingViolation} (every blocking wait on a signaling path), and from the
 *       reservation module {@code org.fence4j.WwBackoff} and {@code org.fence4j.ResourceSetWait}.
 * </ul>
 *
 * <p>Cost: with tracking, watchdogs and JFR off, creating, signaling and polling fences and adding
 * callbacks do no extra work beyond one read of a flag in the fence constructor. None of these
 * tools ever signals a fence, runs its hooks (other than an overridden {@code describe()}, {@code
 * driverName()} and {@code timelineName()}) or runs a callback, and each survives a fence whose
 * {@code describe()} or names throw.
 */
@NullMarked
package org.fence4j.debug;

import org.jspecify.annotations.NullMarked;
