package org.fence4j.testlib;

import java.util.Objects;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;

/**
 * The simplest driver fence: signaled by hand, with fixed driver and timeline names and none of the
 * optional hooks. For tests that need "some fence a driver made" without a {@link
 * org.fence4j.FenceContext} (whose fences report the context's names).
 *
 * <p>Thread-safe, as every {@link Fence}.
 */
public class TestFence extends Fence {
  private final String driverName;
  private final String timelineName;

  /** A fence on a fresh context, seqno 1, named {@code test-driver} / {@code test-timeline}. */
  public TestFence() {
    this(FenceContexts.allocate(1), 1L);
  }

  /**
   * A fence with the given identity, named {@code test-driver} / {@code test-timeline}.
   *
   * @param context the fence context id
   * @param seqno the sequence number on that context
   */
  public TestFence(long context, long seqno) {
    this(context, seqno, "test-driver", "test-timeline");
  }

  /**
   * A fence with the given identity and names.
   *
   * @param context the fence context id
   * @param seqno the sequence number on that context
   * @param driverName what {@link #driverName()} returns
   * @param timelineName what {@link #timelineName()} returns
   * @throws NullPointerException if a name is null
   */
  public TestFence(long context, long seqno, String driverName, String timelineName) {
    super(context, seqno);
    this.driverName = Objects.requireNonNull(driverName, "driverName");
    this.timelineName = Objects.requireNonNull(timelineName, "timelineName");
  }

  /**
   * Returns the driver name given at construction.
   *
   * @return the driver name
   */
  @Override
  public String driverName() {
    return driverName;
  }

  /**
   * Returns the timeline name given at construction.
   *
   * @return the timeline name
   */
  @Override
  public String timelineName() {
    return timelineName;
  }
}
