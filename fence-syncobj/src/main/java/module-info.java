/**
 * fence4j sync objects: the drm_syncobj / timeline-semaphore container, with wait-for-submit.
 *
 * <p>The API lives in the package {@code org.fence4j.syncobj}: {@link
 * org.fence4j.syncobj.SyncObject} (a replaceable fence slot that is also a timeline of points),
 * {@link org.fence4j.syncobj.SyncPoint} (one point of one object, for the waits) and {@link
 * org.fence4j.syncobj.WaitFlag}.
 */
module org.fence4j.syncobj {
  requires transitive org.fence4j.core;
  requires transitive org.fence4j.syncfile;
  requires static transitive org.jspecify;

  exports org.fence4j.syncobj;
}
