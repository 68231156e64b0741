package org.fence4j.examples.pipeline;

import org.fence4j.Fence;
import org.fence4j.examples.pipeline.EventLog.Stage;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;

/**
 * The renderer: draws every frame into the next of the shared buffers, as soon as that buffer is
 * free, and hands it to the compositor.
 */
final class RenderStage {
  private final Pipeline p;

  RenderStage(Pipeline pipeline) {
    this.p = pipeline;
  }

  void run() {
    try {
      for (int k = 1; k <= p.script.frames(); k++) {
        render(p.frames[k]);
      }
    } catch (Throwable t) {
      p.fail(t);
    } finally {
      p.quiescence.exit();
    }
  }

  private void render(Frame frame) throws InterruptedException {
    ReservationObject buffer = p.buffers[frame.buffer];
    // A writer waits for every fence on the buffer: the last writer's and every reader's. The
    // first look decides what the wait is about (the next readers' fences may still be on their way
    // to the buffer: they are in the next looks).
    Fence busy = buffer.singleton(Usage.forAccess(true));
    if (busy != null) {
      int previous = frame.number - Pipeline.BUFFERS;
      boolean showing = p.onScreen == previous;
      p.log.add(
          p.now(),
          Stage.RENDER,
          "frame "
              + frame.number
              + " waits for "
              + buffer.name()
              + (showing
                  ? ": frame " + previous + " is on screen"
                  : " (frame " + previous + " not released yet)"));
      p.renderWaits.incrementAndGet();
      if (showing) {
        p.heldBackByScreen.incrementAndGet();
      }
      for (; busy != null; busy = buffer.singleton(Usage.forAccess(true))) {
        p.quiescence.await(busy);
      }
    }
    Fence rendered = p.renderTimeline.next();
    buffer.addFenceWithLock(rendered, Usage.WRITE); // on the buffer before the job can end
    frame.submitted = p.now();
    p.renderRing.submit(
        rendered, p.script.renderTicks(frame.number), null, tick -> frame.rendered = tick);
    p.log.add(
        p.now(),
        Stage.RENDER,
        "frame " + frame.number + " render job submitted into " + buffer.name());
    // The hand-over to the compositor. Its READ fence goes on the buffer now, not when it starts
    // reading: from here on, the buffer counts as read, so whoever writes it next (this renderer,
    // three frames later) waits for the compositor even if the compositor has not started yet.
    Fence composed = p.composeTimeline.next();
    buffer.addFenceWithLock(composed, Usage.READ);
    p.composeQueue.put(new ComposeStage.Job(frame, composed));
  }
}
