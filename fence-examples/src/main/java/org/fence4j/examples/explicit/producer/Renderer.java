package org.fence4j.examples.explicit.producer;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.examples.explicit.Frame;
import org.fence4j.examples.explicit.FrameSink;
import org.fence4j.syncfile.SyncFenceInfo;
import org.fence4j.syncfile.SyncFile;
import org.fence4j.syncfile.SyncFileInfo;

/**
 * The producer: a pretend GPU that draws frames into a small pool of buffers on its own queue
 * thread, and hands each frame to a {@link FrameSink} <em>before</em> drawing it, together with a
 * sync file that signals when drawing is done.
 *
 * <p>Its fences come from a {@link FenceContext}, so they signal in submission order. Before it
 * draws into a buffer again, its queue waits on the release file the sink returned for that buffer
 * the last time. A frame can be made to fail: its fence then signals with {@link FenceError#EIO},
 * as a driver's hang recovery would.
 *
 * <p>{@link #submit} is called from one thread.
 */
public final class Renderer implements AutoCloseable {

  private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(5);

  private final FrameSink sink;
  private final FenceContext ring = FenceContext.create("example-gpu", "ring");
  private final ExecutorService queue =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "gpu-queue"));
  private final Frame[] buffers;
  private final SyncFile[] releases; // per buffer: the sink's release file of its last frame
  private Fence lastDone = Fence.stub();

  /**
   * Creates a renderer drawing into {@code bufferCount} buffers of {@code pixels} pixels.
   *
   * @param sink where finished frames go
   * @param bufferCount how many buffers to rotate through
   * @param pixels the size of each buffer
   */
  public Renderer(FrameSink sink, int bufferCount, int pixels) {
    this.sink = sink;
    this.buffers = new Frame[bufferCount];
    this.releases = new SyncFile[bufferCount];
    for (int i = 0; i < bufferCount; i++) {
      buffers[i] = new Frame(i, pixels);
    }
  }

  /**
   * Queues frame {@code number} and presents it to the sink at once, without waiting for anything.
   *
   * @param number the frame number
   * @param fail whether the GPU job should fail (its fence signals with {@code EIO})
   */
  public void submit(long number, boolean fail) {
    int bufferId = (int) ((number - 1) % buffers.length);
    Frame frame = buffers[bufferId];
    SyncFile release = releases[bufferId];
    Fence done = ring.next();
    lastDone = done;
    queue.execute(() -> draw(frame, number, release, done, fail));

    SyncFile renderDone = SyncFile.create(done);
    log("submitted frame %d into buffer %d; render file %s", number, bufferId, renderDone.name());
    releases[bufferId] = sink.present(frame, renderDone);
  }

  /** The GPU job: wait until the buffer is released, draw, signal. Runs on the queue thread. */
  private static void draw(Frame frame, long number, SyncFile release, Fence done, boolean fail) {
    try {
      if (release != null) {
        try (release) {
          if (!release.await(RELEASE_TIMEOUT)) {
            done.signal(FenceError.ETIME);
            return;
          }
        }
      }
      if (fail) {
        log("frame %d: GPU fault, signaling its fence with EIO", number);
        done.signal(FenceError.EIO);
        return;
      }
      frame.begin(number);
      frame.draw();
      done.signal();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done.signal(FenceError.ECANCELED);
    }
  }

  /**
   * Waits until every submitted frame has been drawn (or has failed).
   *
   * @param timeout the longest time to wait
   * @return whether everything finished in time
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean finish(Duration timeout) throws InterruptedException {
    return lastDone.await(timeout);
  }

  /**
   * Stops the queue and hands back, merged into one file, the release files still held: the
   * returned file signals once the sink reads none of the buffers any more, so they could be freed.
   * The renderer holds no file afterwards; the caller owns the returned one.
   *
   * @return the merged release file, or {@code null} if no frame was submitted
   * @throws InterruptedException if interrupted while waiting for the queue to stop
   */
  public SyncFile drain() throws InterruptedException {
    queue.shutdown();
    queue.awaitTermination(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    SyncFile all = null;
    for (int i = 0; i < releases.length; i++) {
      SyncFile release = releases[i];
      releases[i] = null;
      if (release == null) {
        continue;
      }
      if (all == null) {
        all = release;
      } else {
        SyncFile merged = all.merge("all-releases", release);
        all.close();
        release.close();
        all = merged;
      }
    }
    return all;
  }

  /** Stops the queue and closes the release files still held. Idempotent. */
  @Override
  public void close() {
    queue.shutdownNow();
    for (int i = 0; i < releases.length; i++) {
      if (releases[i] != null) {
        releases[i].close();
        releases[i] = null;
      }
    }
  }

  /**
   * Prints a sync file's info, one line per leaf.
   *
   * @param file the file to describe
   */
  public static void report(SyncFile file) {
    SyncFileInfo info = file.info();
    log("%s: status=%d", info.name(), info.status());
    for (SyncFenceInfo leaf : info.fences()) {
      log("  %s/%s status=%d", leaf.driverName(), leaf.timelineName(), leaf.status());
    }
  }

  private static void log(String format, Object... args) {
    System.out.printf(
        "[producer %-10s] %s%n", Thread.currentThread().getName(), String.format(format, args));
  }
}
