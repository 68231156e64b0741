package org.fence4j;

import java.util.concurrent.locks.ReentrantLock;

/** Signals a fence from a thread of its own that holds a lock meanwhile (deadlock tests). */
final class Signaler {
  private Signaler() {}

  /**
   * Signals {@code fence} in a new thread named {@code signaler} that holds {@code lock} around the
   * call, and returns what {@link Fence#signal()} returned once that thread has ended (bounded by
   * {@link Spawned#JOIN_BOUND}; fails if it did not end).
   */
  static boolean signalHolding(ReentrantLock lock, Fence fence) throws Exception {
    try (Spawned<Boolean> signaler =
        Spawned.start(
            "signaler",
            () -> {
              lock.lock();
              try {
                return fence.signal();
              } finally {
                lock.unlock();
              }
            })) {
      return Boolean.TRUE.equals(signaler.join());
    }
  }
}
