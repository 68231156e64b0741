package org.fence4j.examples.explicit.consumer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.fence4j.SoftwareTimeline;
import org.fence4j.examples.explicit.Frame;
import org.fence4j.examples.explicit.FrameSink;
import org.fence4j.syncfile.SyncFile;
import org.fence4j.syncfile.SyncFileInfo;

/**
 * The consumer: a pretend display that scans frames out on its own thread, one per "vsync", once
 * their render files are ready.
 *
 * <p>Its release fences are points of a software timeline counting vsyncs: the buffer of the frame
 * shown at vsync {@code n} is read until the next frame replaces it, so its release file is the
 * point {@code n + 1}. A frame whose render file signaled with an error is not read; the display
 * keeps the previous image. Closing the display closes its timeline, which signals the release
 * points still pending with {@code ENOENT}.
 */
public final class Display implements FrameSink, AutoCloseable {

  private final SoftwareTimeline vsync = SoftwareTimeline.create("example-display-vsync");
  private final ExecutorService scanout =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "scanout"));
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean poweredOff = new AtomicBoolean();

  /** Creates a display with its vsync timeline at 0. */
  public Display() {}

  @Override
  public SyncFile present(Frame frame, SyncFile renderDone) {
    long slot = queued.incrementAndGet();
    SyncFile release = SyncFile.create(vsync.createFence(slot + 1), "release-" + slot);
    // Nobody blocks here: the scan-out runs once the render file is ready, error or not.
    renderDone.ready().thenAcceptAsync(ready -> show(frame, ready, slot), scanout);
    return release;
  }

  private void show(Frame frame, SyncFile renderDone, long slot) {
    SyncFileInfo info = renderDone.info();
    renderDone.close();
    if (info.status() < 0) {
      log(
          "vsync %d: %s failed with status %d; keeping the previous image",
          slot, info.name(), info.status());
    } else {
      log(
          "vsync %d: showing frame %d from buffer %d (checksum %08x)",
          slot, frame.number(), frame.bufferId(), frame.checksum());
    }
    vsync.increment(1); // the frame shown before this one is no longer read: release its buffer
  }

  /**
   * Finishes the queued scan-outs, then turns the display off: the release points still pending
   * signal with {@code ENOENT}. Idempotent.
   */
  public void powerOff() {
    if (!poweredOff.compareAndSet(false, true)) {
      return;
    }
    scanout.shutdown();
    try {
      scanout.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    vsync.close();
    log("display off at vsync %d", vsync.value());
  }

  /** Same as {@link #powerOff()}. */
  @Override
  public void close() {
    powerOff();
  }

  private static void log(String format, Object... args) {
    System.out.printf(
        "[consumer %-10s] %s%n", Thread.currentThread().getName(), String.format(format, args));
  }
}
