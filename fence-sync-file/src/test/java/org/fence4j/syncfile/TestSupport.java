package org.fence4j.syncfile;

import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.FenceContexts;

/** Shared helpers: fresh names and bounded garbage-collection waits. */
final class TestSupport {

  /** Upper bound of every wait in these tests. */
  static final Duration LONG_WAIT = Duration.ofSeconds(10);

  private static final AtomicLong NAMES = new AtomicLong();

  private TestSupport() {}

  /** A name no other test uses, so dumps of the shared registry can be searched for it. */
  static String uniqueName(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet() + "-" + System.nanoTime();
  }

  /** A fresh context id for hand-made fences. */
  static long freshContext() {
    return FenceContexts.allocate(1);
  }

  /** Runs the garbage collector until {@code ref} is cleared; fails after {@link #LONG_WAIT}. */
  static void awaitCleared(WeakReference<?> ref) {
    awaitAllCleared(List.of(ref));
  }

  /**
   * Runs the garbage collector until every reference is cleared; fails after {@link #LONG_WAIT}.
   */
  static void awaitAllCleared(List<? extends WeakReference<?>> refs) {
    await("referents collected")
        .atMost(LONG_WAIT)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              System.gc();
              return refs.stream().allMatch(ref -> ref.get() == null);
            });
  }
}
