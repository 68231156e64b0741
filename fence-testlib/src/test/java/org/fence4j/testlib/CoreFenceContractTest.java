package org.fence4j.testlib;

import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceChain;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.junit.jupiter.api.Nested;

/**
 * The test kit run against every fence kind of fence-core: a {@link FenceContext} fence, a
 * software-timeline point, wait-all and wait-any arrays, a chain link, a {@link TestFence}, and the
 * stubs (born signaled).
 */
class CoreFenceContractTest {

  /** A hand-signaled driver fence, built with {@link FenceContract#subject}. */
  @Nested
  class DriverFence extends FenceContract {
    @Override
    protected Subject newSubject() {
      TestFence fence = new TestFence();
      return subject(
          fence,
          fence::signal,
          () -> {
            fence.signal(FenceError.EIO);
            return FenceError.EIO;
          });
    }
  }

  /** The shared stub. */
  @Nested
  class SharedStub extends SignaledFenceContract {
    @Override
    protected Fence newSignaledFence() {
      return Fence.stub();
    }
  }

  /** A stub with its own timestamp. */
  @Nested
  class TimestampedStub extends SignaledFenceContract {
    @Override
    protected Fence newSignaledFence() {
      return Fence.signaledStub(System.nanoTime());
    }
  }

  /** A fence from FenceContext.next(), signaled by its producer. */
  @Nested
  class ContextFence extends FenceContract {
    @Override
    protected Subject newSubject() {
      Fence fence = FenceContext.create("drv", "ring").next();
      return subject(
          fence,
          () -> {
            fence.signal();
          },
          () -> {
            fence.signal(FenceError.EIO);
            return FenceError.EIO;
          });
    }
  }

  /** A software-timeline point, signaled by increments and failed by close(). */
  @Nested
  class TimelinePoint extends FenceContract {
    @Override
    protected Subject newSubject() {
      SoftwareTimeline timeline = SoftwareTimeline.create("contract");
      Fence point = timeline.createFence(2);
      return subject(
          point,
          () -> {
            timeline.increment(1);
            timeline.increment(1);
          },
          () -> {
            timeline.close();
            return FenceError.ENOENT;
          });
    }
  }

  /** A wait-all array of two fences, signaled by its members. */
  @Nested
  class WaitAllArray extends FenceContract {
    @Override
    protected Subject newSubject() {
      Fence a = FenceContext.create("drv", "a").next();
      Fence b = FenceContext.create("drv", "b").next();
      FenceArray array = FenceArray.all(List.of(a, b));
      return subject(
          array,
          () -> {
            a.signal();
            b.signal();
          },
          () -> {
            a.signal(FenceError.ETIME);
            b.signal();
            return FenceError.ETIME;
          });
    }
  }

  /** A wait-any array of two fences, signaled by its second member. */
  @Nested
  class WaitAnyArray extends FenceContract {
    @Override
    protected Subject newSubject() {
      Fence a = FenceContext.create("drv", "a").next();
      Fence b = FenceContext.create("drv", "b").next();
      FenceArray array = FenceArray.any(List.of(a, b));
      return subject(
          array,
          () -> {
            b.signal();
          },
          () -> {
            b.signal(FenceError.ECANCELED);
            return FenceError.ECANCELED;
          });
    }
  }

  /** The head of a two-link chain, signaled by the fences of both links. */
  @Nested
  class ChainLink extends FenceContract {
    @Override
    protected Subject newSubject() {
      FenceContext ctx = FenceContext.create("drv", "chain");
      Fence first = ctx.next();
      Fence second = ctx.next();
      FenceChain head = FenceChain.create(FenceChain.create(null, first, 1), second, 2);
      return subject(
          head,
          () -> {
            first.signal();
            second.signal();
          },
          () -> {
            first.signal(FenceError.EIO);
            second.signal();
            return FenceError.EIO;
          });
    }
  }
}
