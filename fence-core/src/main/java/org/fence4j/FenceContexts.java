package org.fence4j;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The global allocator of fence context ids (timeline ids).
 *
 * <p>Ids start at 1 and never repeat within a JVM; 0 belongs to the stub fences. Thread-safe and
 * lock-free.
 */
public final class FenceContexts {
  /** The next id to hand out; only ever grows. */
  private static final AtomicLong NEXT = new AtomicLong(1);

  private FenceContexts() {}

  /**
   * Reserves {@code n} consecutive fresh context ids and returns the first.
   *
   * @param n how many ids to reserve, at least 1
   * @return the first id of the block; the block is {@code [result, result + n)}
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public static long allocate(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, was " + n);
    }
    return NEXT.getAndAdd(n);
  }
}
