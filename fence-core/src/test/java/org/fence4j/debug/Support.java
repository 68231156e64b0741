package org.fence4j.debug;

import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceContexts;
import org.fence4j.Spawned;

/** Helpers for the diagnosis tests. */
final class Support {
  private Support() {}

  /** A generous bound for things a correct test never waits for that long. */
  static final Duration LONG = Duration.ofSeconds(20);

  /**
   * A driver fence that counts every call to its hooks and names, and can be told to throw from
   * them. Its fields are set after Fence's constructor: a hook called from the constructor sees
   * them null and fails.
   */
  static class DriverFence extends Fence {
    final AtomicInteger hookCalls = new AtomicInteger();
    final AtomicInteger peekCalls = new AtomicInteger();
    final AtomicInteger enableCalls = new AtomicInteger();
    volatile boolean throwFromNames;
    volatile boolean throwFromDescribe;
    volatile boolean peekResult;
    private final String timeline;

    DriverFence(String timeline) {
      super(FenceContexts.allocate(1), 1L);
      this.timeline = timeline;
    }

    @Override
    public String driverName() {
      hookCalls.incrementAndGet();
      if (throwFromNames) {
        throw new IllegalStateException("driverName broken");
      }
      return "test-driver";
    }

    @Override
    public String timelineName() {
      hookCalls.incrementAndGet();
      if (throwFromNames) {
        throw new IllegalStateException("timelineName broken");
      }
      return timeline.toString(); // NPE if called before the field is set
    }

    @Override
    public String describe() {
      if (throwFromDescribe) {
        hookCalls.incrementAndGet();
        throw new IllegalStateException("describe broken");
      }
      return super.describe();
    }

    @Override
    protected boolean peekSignaled() {
      hookCalls.incrementAndGet();
      peekCalls.incrementAndGet();
      return peekResult;
    }

    @Override
    protected boolean onEnableSignaling() {
      hookCalls.incrementAndGet();
      enableCalls.incrementAndGet();
      return true;
    }
  }

  /** Starts {@code body} in a new thread named {@code name} (see {@link Spawned}). */
  static <T> Spawned<T> spawn(String name, Callable<T> body) {
    return Spawned.start(name, body);
  }

  /** Waits until {@code thread} is a waiter of {@code fence} in {@link FenceTracking#pending()}. */
  static void awaitWaiter(Thread thread, Fence fence) {
    await().atMost(LONG).until(() -> waitersOf(fence).contains(thread));
  }

  /** The waiters {@link FenceTracking#pending()} lists for {@code fence} (empty if not listed). */
  static List<Thread> waitersOf(Fence fence) {
    for (PendingFence p : FenceTracking.pending()) {
      if (p.fence() == fence) {
        return p.waiters();
      }
    }
    return List.of();
  }

  /** Whether {@link FenceTracking#pending()} lists {@code fence}. */
  static boolean isListed(Fence fence) {
    return FenceTracking.pending().stream().anyMatch(p -> p.fence() == fence);
  }

  /** Runs the garbage collector until {@code ref} is cleared (bounded by Awaitility). */
  static void awaitCollected(WeakReference<?> ref) {
    await()
        .atMost(LONG)
        .until(
            () -> {
              System.gc();
              List<byte[]> pressure = new ArrayList<>();
              pressure.add(new byte[1 << 16]);
              return ref.get() == null;
            });
  }
}
