package org.fence4j.examples;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fence4j.Fence;
import org.fence4j.FenceErrorException;
import org.fence4j.Fences;
import org.fence4j.SoftwareTimeline;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;

/**
 * Implicit synchronization through reservation objects: a renderer and a display share two buffers
 * (double buffering) and never hand fences to each other. Each side follows the rule of implicit
 * sync on the buffer it is about to use, at submission time, under the buffer's lock:
 *
 * <ul>
 *   <li>the renderer collects what a write must follow ({@code Usage.forAccess(true)}: READ and
 *       stronger, here the scan-out of the frame previously shown from that buffer), makes its GPU
 *       job wait for it, and adds the job's render fence as WRITE;
 *   <li>the display, when a flip is queued, collects what a read must follow ({@code
 *       Usage.forAccess(false)}: the render fence) for its scan-out to wait on, and adds its own
 *       scan-out fence as READ; that fence signals at the next flip, when the buffer leaves the
 *       screen.
 * </ul>
 *
 * <p>The renderer submits all frames at once; no submitting thread ever blocks. The buffers' fences
 * alone keep the GPU from drawing into the buffer that is on screen, and keep the display from
 * showing a frame before it is drawn.
 *
 * <p><b>The read-fence rule.</b> The display adds its READ fence in {@code queueFlip}, when the
 * frame is handed over, not when its scan-out starts on the display thread. Added at scan-out, it
 * would come too late: the renderer queues the next frame for that buffer before the display has
 * taken the frame, finds no reader on the buffer, and its GPU job draws over the frame before (or
 * while) it is shown. Likewise the display collects the render fence it must wait for at hand-over,
 * in the same critical section: collected at scan-out, it would also pick up the render fence of a
 * frame queued later for the same buffer, which itself waits for this scan-out (a deadlock).
 *
 * <p>Run: {@code java org.fence4j.examples.ImplicitSyncExample}.
 */
public final class ImplicitSyncExample {
  private static final int FRAMES = 6;

  private ImplicitSyncExample() {}

  /**
   * Runs the example and prints what happens.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    ReservationObject[] buffers = {new ReservationObject(), new ReservationObject()};
    ExecutorService gpu = Executors.newSingleThreadExecutor(r -> new Thread(r, "gpu"));
    try (SoftwareTimeline gpuRing = SoftwareTimeline.create("gpu-ring");
        Display display = new Display()) {
      for (int frame = 1; frame <= FRAMES; frame++) {
        int n = frame;
        ReservationObject buffer = buffers[n % 2];

        // Renderer: implicit sync for a write.
        Fence before;
        buffer.lock();
        try {
          before = buffer.singleton(Usage.forAccess(true));
          buffer.reserveFences(1);
          buffer.addFence(gpuRing.createFence(n), Usage.WRITE);
        } finally {
          buffer.unlock();
        }
        System.out.printf(
            "renderer: frame %d queued for buffer %d, after %s%n",
            n, n % 2, before == null ? "nothing" : before.describe());
        gpu.execute(
            () -> {
              if (before != null && !before.isSignaled()) {
                System.out.printf(
                    "gpu:      frame %d waits for buffer %d to leave the screen%n", n, n % 2);
                before.awaitUninterruptibly(Duration.ofSeconds(5)); // the GPU's wait, not the CPU's
              }
              System.out.printf("gpu:      frame %d drawn into buffer %d%n", n, n % 2);
              gpuRing.increment(1); // signals the render fence of frame n
            });

        // Compositor: queue the flip; the display does implicit sync for a read.
        display.queueFlip(n, buffer);
      }
      display.awaitShown(FRAMES);
      System.out.println("buffer 0 holds:\n  " + buffers[0].describe().replace("\n", "\n  "));
      System.out.println("buffer 1 holds:\n  " + buffers[1].describe().replace("\n", "\n  "));
    } finally {
      gpu.shutdown();
      gpu.awaitTermination(10, TimeUnit.SECONDS);
    }
    System.out.println("implicit sync example finished");
  }

  /** A pretend display: one scan-out timeline (point n = frame n left the screen), one thread. */
  private static final class Display implements AutoCloseable {
    private final SoftwareTimeline scanout = SoftwareTimeline.create("scanout");
    private final BlockingQueue<Object[]> flips = new ArrayBlockingQueue<>(FRAMES);
    private final Thread thread = new Thread(this::run, "display");
    private volatile int shown;

    Display() {
      thread.start();
    }

    /**
     * The hand-over, called by the submitting thread: never blocks. The scan-out fence goes on the
     * buffer here, before the renderer can come back to it (the read-fence rule).
     */
    void queueFlip(int frame, ReservationObject buffer) {
      Fence ready;
      buffer.lock();
      try {
        // What the scan-out must wait for, collected now. Fences.merge is never null (a signaled
        // fence when nothing is pending), so the display thread needs no null check.
        ready = Fences.merge(buffer.fences(Usage.forAccess(false)));
        buffer.reserveFences(1);
        buffer.addFence(scanout.createFence(frame), Usage.READ);
      } finally {
        buffer.unlock();
      }
      flips.add(new Object[] {frame, ready});
    }

    private void run() {
      try {
        for (int i = 0; i < FRAMES; i++) {
          Object[] flip = flips.take();
          int frame = (Integer) flip[0];
          Fence ready = (Fence) flip[1];
          try {
            ready.awaitSuccess(Duration.ofSeconds(5)); // throws if the frame failed or is late
          } catch (TimeoutException | FenceErrorException e) {
            System.out.println("display:  frame " + frame + " not shown: " + e.getMessage());
            return;
          }
          System.out.printf("display:  frame %d on screen%n", frame);
          scanout.increment(frame - 1 - scanout.value()); // the previous frame leaves the screen
          shown = frame;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitShown(int frames) throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(10));
      if (shown != frames) {
        System.out.println("display: only " + shown + " frames shown");
      }
    }

    @Override
    public void close() {
      thread.interrupt();
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      scanout.close(); // the last frame stays on screen: its scan-out fence ends with ENOENT
    }
  }
}
