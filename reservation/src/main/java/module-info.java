/**
 * fence4j reservation: wound/wait mutexes, reservation objects (the fences of one buffer) and
 * KDS-style resource sets over several buffers.
 *
 * <p>The API lives in the package {@code org.fence4j.reservation}; everything else in the module is
 * package-private.
 */
module org.fence4j.reservation {
  requires transitive org.fence4j.core;
  requires static transitive org.jspecify;
  requires jdk.jfr;

  exports org.fence4j.reservation;
}
