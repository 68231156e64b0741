package org.fence4j.examples;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.syncobj.SyncObject;
import org.fence4j.syncobj.WaitFlag;

/**
 * Timeline sync objects between a producer and a consumer, in the style of Wayland's explicit sync
 * ({@code linux-drm-syncobj-v1}) and Vulkan timeline semaphores: two timelines, one per direction.
 *
 * <ul>
 *   <li>{@code acquire}: the renderer adds point {@code n} when it submits frame {@code n}; the
 *       point signals when the GPU work is done. The display waits for frame numbers with {@link
 *       WaitFlag#FOR_SUBMIT}, so it may (and here does) start waiting before the renderer has even
 *       submitted the frame.
 *   <li>{@code release}: the display host-signals point {@code n} when it no longer reads frame
 *       {@code n}'s buffer; the renderer, double-buffered, waits for point {@code n - 2} before it
 *       draws frame {@code n} into the same buffer.
 * </ul>
 *
 * <p>Run: {@code java org.fence4j.examples.TimelineExample}.
 */
public final class TimelineExample {
  private static final int FRAMES = 6;
  private static final int BUFFERS = 2;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private TimelineExample() {}

  /**
   * Runs the example and prints what happens.
   *
   * @param args ignored
   * @throws Exception if a wait times out or is interrupted
   */
  public static void main(String[] args) throws Exception {
    SyncObject acquire = SyncObject.create(); // renderer -> display: frame n is rendered
    SyncObject release = SyncObject.create(); // display -> renderer: frame n's buffer is free
    acquire
        .whenSubmitted(FRAMES)
        .thenAccept(f -> System.out.println("  (future) last frame " + FRAMES + " submitted"));

    CountDownLatch displayWaiting = new CountDownLatch(1);
    Thread display =
        new Thread(
            () -> {
              try {
                for (int frame = 1; frame <= FRAMES; frame++) {
                  if (frame == 1) {
                    System.out.println(
                        "display: waiting for frame 1; frames submitted so far: "
                            + acquire.lastSubmittedPoint());
                    displayWaiting.countDown();
                  }
                  if (!SyncObject.waitAll(
                      List.of(acquire.at(frame)), TIMEOUT, WaitFlag.FOR_SUBMIT)) {
                    throw new IllegalStateException("frame " + frame + " never arrived");
                  }
                  System.out.println(
                      "display: showing frame "
                          + frame
                          + " from buffer "
                          + (frame - 1) % BUFFERS
                          + " (acquire counter "
                          + acquire.lastSignaledPoint()
                          + ")");
                  release.signal(frame); // done reading this frame's buffer
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "display");
    display.start();

    ExecutorService gpu = Executors.newSingleThreadExecutor();
    try {
      FenceContext ring = FenceContext.create("gpu", "render");
      displayWaiting.await();
      for (int frame = 1; frame <= FRAMES; frame++) {
        int buffer = (frame - 1) % BUFFERS;
        if (frame > BUFFERS) {
          // the buffer is reused: wait until the display has released the frame drawn in it
          long previous = frame - BUFFERS;
          SyncObject.waitAll(List.of(release.at(previous)), TIMEOUT, WaitFlag.FOR_SUBMIT);
        }
        Fence rendered = ring.next();
        acquire.addPoint(frame, rendered);
        System.out.println("renderer: submitted frame " + frame + " into buffer " + buffer);
        gpu.execute(rendered::signal); // the "GPU" finishes the frame
      }
    } finally {
      gpu.shutdown();
      gpu.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    display.join(TIMEOUT.toMillis());
    System.out.println(
        "done: acquire at "
            + acquire.lastSignaledPoint()
            + ", release at "
            + release.lastSignaledPoint());
  }
}
