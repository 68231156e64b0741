package org.fence4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.FenceWatchdog;
import org.fence4j.debug.PendingFence;

/**
 * "Why is my pipeline stuck?": a two-stage pipeline (decode, then render, then display) whose
 * decoder loses a frame on purpose, and how fence4j's diagnosis names the culprit.
 *
 * <p>Frame 1 goes through. The decoder drops frame 2 (its completion interrupt is "lost": the
 * decode fence is never signaled), so the render stage blocks on it, and the display blocks on
 * frame 2's render fence (through an array that also holds the frame's subtitle overlay). A {@link
 * FenceWatchdog} reports each fence pending longer than the threshold, once: the lost decode fence
 * (its timeline {@code decode}, its age, where it was created, the blocked {@code render-stage}
 * thread), the render fence behind it, and the array the {@code display} thread is blocked on,
 * which names the render fence it still waits on. Then {@link FenceTracking#dump()} shows the whole
 * picture, and the example recovers the way a driver's timeout handler would: it signals the lost
 * fence with {@link FenceError#ETIME}, the error flows through the render stage, and everything
 * ends.
 *
 * <p>Run it with {@code ./mvnw -q -pl fence-examples -am package -DskipTests -Pdemo
 * -Ddemo.mainClass=org.fence4j.examples.HungPipelineExample}. In an application, turn tracking on
 * from start-up with {@code -Dfence4j.tracking=sites} instead of {@link FenceTracking#enable}.
 */
public final class HungPipelineExample {
  private HungPipelineExample() {}

  /**
   * Runs the example with a 500 ms threshold, printing to standard output.
   *
   * @param args unused
   * @throws Exception if a stage fails
   */
  public static void main(String[] args) throws Exception {
    run(System.out, Duration.ofMillis(500));
  }

  /** What a run saw (for the test). */
  record Outcome(
      Fence lostFrame,
      Fence stuckRender,
      Fence displayed,
      List<PendingFence> reports,
      String dump) {}

  /** One frame for the render stage: wait for its decode, then render it. */
  private record RenderJob(Fence decoded, Fence rendered) {}

  @SuppressWarnings("try") // the watchdog only has to run while the block does
  static Outcome run(PrintStream out, Duration threshold) throws Exception {
    FenceTracking.enable(true); // with creation sites; or -Dfence4j.tracking=sites at start-up
    try {
      FenceContext decoder = FenceContext.create("vdec", "decode");
      FenceContext renderer = FenceContext.create("gpu", "render");
      BlockingQueue<RenderJob> renderQueue = new LinkedBlockingQueue<>();
      Thread renderStage = new Thread(() -> renderLoop(renderQueue), "render-stage");
      renderStage.start();
      Fence[] decoded = new Fence[2];
      Fence[] rendered = new Fence[2];
      for (int frame = 1; frame <= 2; frame++) {
        decoded[frame - 1] = decode(decoder, frame);
        rendered[frame - 1] = render(renderer, decoded[frame - 1], renderQueue);
      }
      // The display shows frame 2 once it is rendered and its subtitles are drawn (already done).
      Fence subtitles = FenceContext.create("cpu", "subtitles").next();
      subtitles.signal();
      Fence lastFrame = FenceArray.all(List.of(rendered[1], subtitles));
      Thread display = new Thread(() -> display(lastFrame, out), "display");
      display.start();

      // An application runs its watchdog from start-up. Here it starts once both stages are
      // blocked (FenceTracking.pending() shows who waits on what), so that every run prints the
      // same report.
      awaitBlocked(renderStage, decoded[1]);
      awaitBlocked(display, lastFrame);
      List<PendingFence> reports = new CopyOnWriteArrayList<>();
      CountDownLatch allReported = new CountDownLatch(3);
      String dump;
      try (FenceWatchdog watchdog =
          FenceWatchdog.start(
              threshold,
              p -> {
                // The default reporter logs this text as a WARNING on "org.fence4j.watchdog".
                reports.add(p);
                out.print("[watchdog] " + p);
                if (p.fence() == decoded[1] || p.fence() == rendered[1] || p.fence() == lastFrame) {
                  allReported.countDown();
                }
              })) {
        if (!allReported.await(threshold.toMillis() + 30_000, TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("the watchdog did not report the stuck frame");
        }
        dump = FenceTracking.dump();
      }
      out.println();
      out.println("FenceTracking.dump():");
      out.print(dump);

      // Recover like a driver's timeout handler: fail the lost fence; the error flows downstream.
      out.println();
      out.println("recovering: signaling " + decoded[1].describe() + " with ETIME");
      decoded[1].signal(FenceError.ETIME);
      display.join();
      renderQueue.add(new RenderJob(Fence.stub(), Fence.stub())); // ends the render loop
      renderStage.join();
      return new Outcome(decoded[1], rendered[1], lastFrame, new ArrayList<>(reports), dump);
    } finally {
      FenceTracking.disable();
    }
  }

  /** Waits (bounded) until {@code thread} is listed as a waiter of {@code fence}. */
  private static void awaitBlocked(Thread thread, Fence fence) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (FenceTracking.pending().stream()
        .noneMatch(p -> p.fence() == fence && p.waiters().contains(thread))) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(thread.getName() + " did not block on " + fence);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** Submits frame {@code frame} to the decoder; frame 2's completion is lost on purpose. */
  private static Fence decode(FenceContext decoder, int frame) {
    Fence done = decoder.next();
    if (frame != 2) {
      done.signal(); // the decoder's completion interrupt
    }
    return done;
  }

  /** Queues frame rendering behind its decode and returns the render fence. */
  private static Fence render(
      FenceContext renderer, Fence decoded, BlockingQueue<RenderJob> queue) {
    Fence done = renderer.next();
    queue.add(new RenderJob(decoded, done));
    return done;
  }

  /**
   * The render stage: waits for each frame's decode, renders, signals (with the decode's error).
   */
  private static void renderLoop(BlockingQueue<RenderJob> queue) {
    try {
      for (RenderJob job = queue.take(); job.rendered() != Fence.stub(); job = queue.take()) {
        job.decoded().await();
        FenceError error = job.decoded().error().orElse(null);
        if (error == null) {
          job.rendered().signal();
        } else {
          job.rendered().signal(error);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The display: waits for the last frame and shows how it ended. */
  private static void display(Fence lastFrame, PrintStream out) {
    try {
      lastFrame.await();
      out.println("display: last frame ended with status " + lastFrame.status());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
