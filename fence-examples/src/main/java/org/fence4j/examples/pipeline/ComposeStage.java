package org.fence4j.examples.pipeline;

import java.time.Duration;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.examples.pipeline.EventLog.Stage;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.syncfile.SyncFile;
import org.jspecify.annotations.Nullable;

/**
 * The compositor: for each frame handed over, waits for the buffer's writers (implicit sync: it
 * never sees the render fence itself), composes it on the GPU, and commits it to the display with a
 * sync file (explicit sync).
 */
final class ComposeStage {
  private final Pipeline p;

  /**
   * A frame handed over by the renderer, with the compositor's READ fence already on its buffer.
   */
  record Job(Frame frame, Fence composed) {}

  ComposeStage(Pipeline pipeline) {
    this.p = pipeline;
  }

  void run() {
    try {
      for (int k = 1; k <= p.script.frames(); k++) {
        compose(p.composeQueue.take(30));
      }
    } catch (Throwable t) {
      p.fail(t);
    } finally {
      p.quiescence.exit();
    }
  }

  private void compose(Job job) throws InterruptedException {
    Frame frame = job.frame();
    ReservationObject buffer = p.buffers[frame.buffer];
    Fence writers = buffer.singleton(Usage.forAccess(false)); // a reader waits for the writers
    if (writers != null) {
      p.log.add(
          p.now(),
          Stage.COMPOSE,
          "frame " + frame.number + " waits for its render (" + buffer.name() + ")");
      if (p.quiescence.await(writers)) {
        p.composeWaits.incrementAndGet();
      }
    }
    FenceError error = null;
    try {
      buffer.awaitSuccess(Usage.forAccess(false), Duration.ZERO); // all done: tells how it ended
    } catch (FenceErrorException e) {
      error = e.error();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the writers of " + buffer.name() + " are still busy", e);
    }
    submit(frame, job.composed(), error);
  }

  private void submit(Frame frame, Fence composed, @Nullable FenceError error) {
    ReservationObject buffer = p.buffers[frame.buffer];
    if (error == null) {
      p.composeRing.submit(composed, p.script.composeTicks(), null, tick -> frame.composed = tick);
      p.log.add(p.now(), Stage.COMPOSE, "frame " + frame.number + " compose job submitted");
    } else {
      // Nothing to compose: the compose fence fails too (in order, behind the jobs before it),
      // so that the error reaches the display through the sync file.
      p.composeRing.submit(composed, 0, error, tick -> {});
      p.log.add(
          p.now(),
          Stage.COMPOSE,
          "frame " + frame.number + " not composed: render failed (" + error.name() + ")");
    }
    // The commit: the display's READ fence goes on the buffer now, at hand-over, not when the
    // display starts scanning the frame out (at a later vsync). The renderer comes back to this
    // buffer as soon as the compositor's READ fence signals; were the display's fence added only at
    // scan-out, the renderer could find the buffer free in between and draw the next frame over the
    // one about to be shown.
    Fence released = p.scanoutTimeline.next();
    buffer.addFenceWithLock(released, Usage.READ);
    p.commits.add(
        new DisplayStage.Commit(
            frame, SyncFile.create(composed, "frame-" + frame.number), released));
  }
}
