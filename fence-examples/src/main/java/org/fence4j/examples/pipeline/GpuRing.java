package org.fence4j.examples.pipeline;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongConsumer;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.jspecify.annotations.Nullable;

/**
 * A model of one GPU engine: jobs run one at a time in submission order, each for a scripted number
 * of ticks, and each job's fence signals when it ends. A hung job never ends on its own: only the
 * timeout handler ({@link #failHead}) ends it, with an error, and the jobs behind it start then.
 *
 * <p>Stages submit while the driver waits for them; the driver completes jobs while the stages are
 * all blocked ({@link Quiescence}), so the two never touch the ring at once.
 */
final class GpuRing {
  /** Ticks value of a job that never ends. */
  static final long NEVER = Long.MAX_VALUE;

  private final String name;
  private final ConcurrentLinkedQueue<Job> jobs = new ConcurrentLinkedQueue<>();
  private final Ticks clock;

  /** One job: its fence, how long it runs, and the tick it ends (once it is at the head). */
  private static final class Job {
    final Fence fence;
    final long ticks;
    final @Nullable FenceError error;
    final LongConsumer onEnd;
    volatile long startTick = -1;

    Job(Fence fence, long ticks, @Nullable FenceError error, LongConsumer onEnd) {
      this.fence = fence;
      this.ticks = ticks;
      this.error = error;
      this.onEnd = onEnd;
    }

    boolean hung() {
      return ticks == NEVER;
    }

    long endTick() {
      return hung() ? NEVER : startTick + ticks;
    }
  }

  /** The current tick of the scripted clock. */
  @FunctionalInterface
  interface Ticks {
    long now();
  }

  GpuRing(String name, Ticks clock) {
    this.name = name;
    this.clock = clock;
  }

  String name() {
    return name;
  }

  /**
   * Queues a job whose {@code fence} signals {@code ticks} after it starts ({@link #NEVER}: a hung
   * job), with {@code error} if not null; {@code onEnd} gets the tick it ends.
   */
  void submit(Fence fence, long ticks, @Nullable FenceError error, LongConsumer onEnd) {
    Job job = new Job(fence, ticks, error, onEnd);
    jobs.add(job);
    if (jobs.peek() == job) {
      job.startTick = clock.now(); // the engine was idle: the job starts now
    }
  }

  /**
   * Ends the head job if its time has come, signaling its fence, and starts the next one.
   *
   * @return {@code true} if a job ended (the caller lets the stages settle, then asks again)
   */
  boolean completeDue() {
    Job head = jobs.peek();
    long now = clock.now();
    if (head == null || head.endTick() > now) {
      return false;
    }
    end(head, head.error);
    return true;
  }

  /** The head job's fence if it is hung and has been running for at least {@code ticks}. */
  @Nullable Fence hungFor(long ticks) {
    Job head = jobs.peek();
    return head != null && head.hung() && clock.now() - head.startTick >= ticks ? head.fence : null;
  }

  /** The timeout handler: ends the (hung) head job with {@code error}. */
  void failHead(FenceError error) {
    Job head = jobs.peek();
    if (head == null) {
      throw new IllegalStateException(name + ": no job to fail");
    }
    end(head, error);
  }

  private void end(Job head, @Nullable FenceError error) {
    jobs.poll();
    Job next = jobs.peek();
    if (next != null) {
      next.startTick = clock.now();
    }
    head.onEnd.accept(clock.now());
    if (error == null) {
      head.fence.signal();
    } else {
      head.fence.signal(error);
    }
  }
}
