package org.fence4j.syncobj;

import org.fence4j.Fence;
import org.fence4j.FenceContexts;

/** A driver fence signaled by hand, each on a fresh context. */
final class TestFence extends Fence {

  TestFence() {
    super(FenceContexts.allocate(1), 1);
  }

  @Override
  public String driverName() {
    return "test";
  }

  @Override
  public String timelineName() {
    return "test-timeline";
  }
}
