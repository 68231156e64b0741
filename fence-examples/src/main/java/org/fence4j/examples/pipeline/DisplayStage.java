package org.fence4j.examples.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.examples.pipeline.EventLog.Stage;
import org.fence4j.syncfile.SyncFile;
import org.jspecify.annotations.Nullable;

/**
 * The display: at every vsync it latches the newest committed frame whose sync file has signaled
 * without error and shows it; older ready frames are dropped (a newer one made the same vsync), and
 * so are failed ones. A frame's release fence (its READ fence on the buffer) signals when the frame
 * leaves the screen or is dropped.
 */
final class DisplayStage {
  private final Pipeline p;
  private @Nullable Commit showing;
  private int resolved;
  private int shown;
  private int dropped;

  /** A frame committed to the display: its sync file (composed) and its release fence. */
  record Commit(Frame frame, SyncFile composed, Fence released) {}

  DisplayStage(Pipeline pipeline) {
    this.p = pipeline;
  }

  void run() {
    try {
      for (long v = 1; resolved < p.script.frames(); v++) {
        Fence vsync = p.vsync.createFence(v);
        if (p.quiescence.await(vsync)) {
          p.vsyncWaits.incrementAndGet();
        }
        latch(v);
      }
    } catch (Throwable t) {
      p.fail(t);
    } finally {
      p.quiescence.exit();
    }
  }

  private void latch(long v) throws InterruptedException {
    long now = p.now();
    List<Commit> ready = new ArrayList<>();
    for (Commit c = p.commits.peek();
        c != null && c.composed().await(Duration.ZERO);
        c = p.commits.peek()) {
      ready.add(p.commits.poll()); // frames are composed in order: stop at the first pending one
    }
    Commit newest = null;
    for (Commit c : ready) {
      if (c.composed().info().status() == 1) {
        newest = c;
      }
    }
    List<Fence> release = new ArrayList<>();
    for (Commit c : ready) {
      if (c == newest) {
        continue;
      }
      Frame f = c.frame();
      int status = c.composed().info().status();
      f.fate =
          status < 0
              ? "dropped: failed (" + org.fence4j.FenceError.of(status).name() + ")"
              : "dropped: frame " + newest.frame().number + " made the same vsync";
      p.log.add(now, Stage.DISPLAY, "vsync " + v + ": frame " + f.number + " " + f.fate);
      release.add(c.released());
      c.composed().close();
      dropped++;
      resolved++;
    }
    if (newest != null) {
      Commit previous = showing;
      if (previous != null) {
        release.add(previous.released()); // it leaves the screen
      }
      showing = newest;
      Frame f = newest.frame();
      f.shown = now;
      f.fate = "shown";
      p.onScreen = f.number;
      p.log.add(now, Stage.DISPLAY, "vsync " + v + ": frame " + f.number + " on screen");
      newest.composed().close();
      shown++;
      resolved++;
      if (f.number % 30 == 0) {
        p.out.printf(
            "  t=%d ms: frame %d/%d on screen (shown %d, dropped %d)%n",
            now, f.number, p.script.frames(), shown, dropped);
      }
    } else if (showing != null) {
      p.log.add(
          now,
          Stage.DISPLAY,
          "vsync " + v + ": frame " + showing.frame().number + " again (nothing new ready)");
    }
    if (resolved == p.script.frames()) {
      if (showing != null) {
        release.add(showing.released()); // the demo ends: the screen goes dark
      }
      p.finish();
    }
    p.releases.addAll(release); // the display engine lets go of them (the driver signals them)
  }
}
