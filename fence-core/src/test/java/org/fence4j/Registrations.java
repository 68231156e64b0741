package org.fence4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Looks inside a fence's pending state, so tests can check "no registration left behind" by
 * counting instead of by eye.
 */
final class Registrations {
  private static final VarHandle STATE;

  static {
    try {
      STATE =
          MethodHandles.privateLookupIn(Fence.class, MethodHandles.lookup())
              .findVarHandle(Fence.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Registrations() {}

  /** Returns how many callbacks and waiters are queued on {@code fence} right now. */
  static int count(Fence fence) {
    Object state = STATE.getVolatile(fence);
    int count = 0;
    if (state instanceof Node) {
      for (Node n = (Node) state; n != null; n = n.next) {
        if (n instanceof Node.Listener) {
          count++;
        }
      }
    }
    return count;
  }

  /** Returns how many entries of any kind (callbacks, waiters, errors, markers) the list holds. */
  static int entries(Fence fence) {
    Object state = STATE.getVolatile(fence);
    int count = 0;
    if (state instanceof Node) {
      for (Node n = (Node) state; n != null; n = n.next) {
        count++;
      }
    }
    return count;
  }

  /** Runs the collector until {@code ref} is cleared; fails after ten seconds. */
  static void awaitCollected(WeakReference<?> ref) {
    Awaitility.await("collection of " + ref)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              System.gc();
              return ref.get() == null;
            });
  }
}
