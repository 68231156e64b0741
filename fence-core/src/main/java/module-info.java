/**
 * fence4j core: fences, fence contexts, software timelines, fence arrays and chains, and the
 * diagnosis tools.
 *
 * <p>The API lives in the packages {@code org.fence4j} and {@code org.fence4j.debug} (tracking of
 * pending fences, the watchdog, signaling sections). The package {@code org.fence4j.internal} is
 * exported only to the other fence4j modules and is not part of the API.
 */
// The modules named in qualified exports are built after this one, so javac cannot see them here.
@SuppressWarnings("module")
module org.fence4j.core {
  requires static transitive org.jspecify;
  requires jdk.jfr;

  exports org.fence4j;
  exports org.fence4j.debug;
  exports org.fence4j.internal to
      org.fence4j.syncfile,
      org.fence4j.syncobj,
      org.fence4j.reservation;
}
