/**
 * fence4j core: fences, fence contexts, software timelines, fence arrays and chains.
 *
 * <p>The API lives in the package {@code org.fence4j}. The package {@code org.fence4j.internal} is
 * exported only to the other fence4j modules and is not part of the API.
 */
module org.fence4j.core {
  requires static org.jspecify;

  exports org.fence4j;
  exports org.fence4j.internal to
      org.fence4j.syncfile;
}
