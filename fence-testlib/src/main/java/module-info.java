/**
 * fence4j test kit: the {@link org.fence4j.Fence} contract as JUnit Jupiter tests for driver
 * authors, and a plain driver fence for tests.
 *
 * <p>The API lives in the package {@code org.fence4j.testlib}: {@link
 * org.fence4j.testlib.FenceContract} (for fences that start pending), {@link
 * org.fence4j.testlib.SignaledFenceContract} (for fences born signaled), {@link
 * org.fence4j.testlib.TestFence} and {@link org.fence4j.testlib.VirtualThreadWaits} (a blocking
 * wait must not hold its carrier thread). Add the artifact {@code org.fence4j:fence-testlib} with
 * test scope.
 */
module org.fence4j.testlib {
  requires transitive org.fence4j.core;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;
  requires static transitive org.jspecify;

  exports org.fence4j.testlib;
}
