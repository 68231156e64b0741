/**
 * Sync files: explicit, closeable handles on fences, passed from a producer module to a consumer
 * module, modeled on the Linux kernel's {@code sync_file}.
 *
 * <p>A producer wraps the fence of some pending work in a {@link org.fence4j.syncfile.SyncFile} and
 * hands it over; the consumer waits on it ({@link org.fence4j.syncfile.SyncFile#await}), reacts to
 * it ({@link org.fence4j.syncfile.SyncFile#ready}), inspects it ({@link
 * org.fence4j.syncfile.SyncFile#info}), combines it with others ({@link
 * org.fence4j.syncfile.SyncFile#merge}) and closes it when done. {@link
 * org.fence4j.syncfile.SyncDebug#dump} prints the live software timelines, in the spirit of the
 * kernel's {@code sync/info} debug file.
 *
 * <p>Every reference parameter of every method in this package is non-null; a {@code null} fails at
 * the call with a {@link java.lang.NullPointerException} naming the parameter.
 */
@NullMarked
package org.fence4j.syncfile;

import org.jspecify.annotations.NullMarked;
