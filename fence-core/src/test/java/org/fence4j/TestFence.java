package org.fence4j;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A driver fence for tests: it counts calls to its hooks and lets the test decide what they answer.
 */
class TestFence extends Fence {
  /** How many times {@link #onEnableSignaling()} ran. */
  final AtomicInteger enableCalls = new AtomicInteger();

  /** Every deadline received by {@link #onDeadline(long)}, in arrival order. */
  final List<Long> deadlines = new CopyOnWriteArrayList<>();

  /** What {@link #onEnableSignaling()} returns. */
  volatile boolean enableResult = true;

  /** What {@link #peekSignaled()} returns. */
  volatile boolean peekResult;

  /** Extra work {@link #onEnableSignaling()} does before it returns, or null. */
  volatile Consumer<TestFence> onEnable;

  TestFence() {
    this(FenceContexts.allocate(1), 1L);
  }

  TestFence(long context, long seqno) {
    super(context, seqno);
  }

  @Override
  public String driverName() {
    return "test-driver";
  }

  @Override
  public String timelineName() {
    return "test-timeline";
  }

  @Override
  protected boolean onEnableSignaling() {
    enableCalls.incrementAndGet();
    Consumer<TestFence> action = onEnable;
    if (action != null) {
      action.accept(this);
    }
    return enableResult;
  }

  @Override
  protected boolean peekSignaled() {
    return peekResult;
  }

  @Override
  protected void onDeadline(long deadlineNanos) {
    deadlines.add(deadlineNanos);
  }
}
