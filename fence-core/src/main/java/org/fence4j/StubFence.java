package org.fence4j;

/** An already signaled fence of context 0, seqno 0 ({@link Fence#stub()}, {@link Fence#signaledStub}). */
final class StubFence extends Fence {
  static final StubFence SHARED = new StubFence(System.nanoTime());

  StubFence(long timestampNanos) {
    super(0L, 0L);
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
