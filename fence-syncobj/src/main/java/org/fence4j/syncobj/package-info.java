/**
 * Sync objects, modeled on the Linux kernel's {@code drm_syncobj} and Vulkan's timeline semaphores:
 * a mutable, thread-safe slot for "the fence of the latest submission", either binary (one fence,
 * replaced by each submission) or a timeline of numbered points, with waits that may start before
 * the work they wait for has even been submitted.
 *
 * <ul>
 *   <li>{@link org.fence4j.syncobj.SyncObject} holds the fence or the timeline, converts points to
 *       and from {@link org.fence4j.syncfile.SyncFile sync files}, transfers points between
 *       objects, and offers the waits ({@link org.fence4j.syncobj.SyncObject#waitAny waitAny},
 *       {@link org.fence4j.syncobj.SyncObject#waitAll waitAll}, {@link
 *       org.fence4j.syncobj.SyncObject#awaitSubmitted awaitSubmitted}, {@link
 *       org.fence4j.syncobj.SyncObject#whenSubmitted whenSubmitted}).
 *   <li>{@link org.fence4j.syncobj.SyncPoint} names one point of one object in a wait list.
 *   <li>{@link org.fence4j.syncobj.WaitFlag} selects how a wait treats points that have not been
 *       submitted yet, and whether submitted is already enough.
 * </ul>
 *
 * <p>Every reference parameter is non-null; a {@code null} fails at the call with a {@link
 * java.lang.NullPointerException} naming the parameter.
 */
@NullMarked
package org.fence4j.syncobj;

import org.jspecify.annotations.NullMarked;
