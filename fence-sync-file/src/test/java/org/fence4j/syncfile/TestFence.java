package org.fence4j.syncfile;

import org.fence4j.Fence;

/** A driver fence with fixed names, signaled by hand. */
class TestFence extends Fence {

  private final String driverName;
  private final String timelineName;

  TestFence(long context, long seqno, String driverName, String timelineName) {
    super(context, seqno);
    this.driverName = driverName;
    this.timelineName = timelineName;
  }

  TestFence(long context, long seqno) {
    this(context, seqno, "test-driver", "test-timeline");
  }

  @Override
  public String driverName() {
    return driverName;
  }

  @Override
  public String timelineName() {
    return timelineName;
  }
}
