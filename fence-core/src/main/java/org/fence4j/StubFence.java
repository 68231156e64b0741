package org.fence4j;

/**
 * An already signaled fence of context 0, seqno 0 ({@link Fence#stub()}, {@link
 * Fence#signaledStub}).
 */
final class StubFence extends Fence {
  static final StubFence SHARED = new StubFence(System.nanoTime());

  StubFence(long timestampNanos) {
    super(0L, 0L);
    signal(timestampNanos);
  }

  /** A stub signaled with {@code error} (for merges of failed fences). */
  StubFence(long timestampNanos, FenceError error) {
    super(0L, 0L);
    setError(error);
    signal(timestampNanos);
  }

  @Override
  public String driverName() {
    return "stub";
  }

  @Override
  public String timelineName() {
    return "stub";
  }
}
