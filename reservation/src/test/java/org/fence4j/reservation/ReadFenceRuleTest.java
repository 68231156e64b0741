package org.fence4j.reservation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fence4j.reservation.TestSupport.LONG;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject.Usage;
import org.junit.jupiter.api.Test;

/**
 * The read-fence rule of implicit sync: a consumer's READ fence must be on the buffer when the
 * frame is handed over to it (present/commit time), not when the consumer starts reading
 * (scan-out). A renderer and a display share one buffer; the display's scan-out is held back by a
 * latch (its vsync), so both designs run in the same, fixed order: frame 1 presented, the renderer
 * comes back to the buffer for frame 2, then vsync.
 */
class ReadFenceRuleTest {

  /** One shared buffer: its pixels (one int here) and its reservation object. */
  private static final class Buffer {
    final ReservationObject resv = new ReservationObject();
    volatile int content;
  }

  private record Flip(int frame, Fence read) {}

  /**
   * A display on its own thread. {@link #present} is the hand-over; the scan-out of a presented
   * frame starts at the next vsync (a latch the test opens), reads the buffer, and ends the read.
   */
  private static final class Display implements AutoCloseable {
    private final Buffer buffer;
    private final boolean fenceAtPresent;
    private final FenceContext reads = FenceContext.create("display", "scanout");
    private final BlockingQueue<Flip> flips = new LinkedBlockingQueue<>();
    final CountDownLatch vsync = new CountDownLatch(1);
    final CountDownLatch scannedOut = new CountDownLatch(1);
    volatile int shownContent = -1;
    private final Thread thread;

    Display(Buffer buffer, boolean fenceAtPresent) {
      this.buffer = buffer;
      this.fenceAtPresent = fenceAtPresent;
      this.thread = new Thread(this::run, "display");
      thread.start();
    }

    /** The hand-over: called by the renderer's thread, never blocks. */
    void present(int frame) {
      Fence read = reads.next();
      if (fenceAtPresent) {
        buffer.resv.addFenceWithLock(read, Usage.READ); // right: the read is known from now on
      }
      flips.add(new Flip(frame, read));
    }

    private void run() {
      try {
        Flip flip = flips.take();
        vsync.await();
        if (!fenceAtPresent) {
          buffer.resv.addFenceWithLock(flip.read(), Usage.READ); // wrong: only at scan-out
        }
        buffer.resv.await(Usage.forAccess(false), LONG); // the frame's render fence
        shownContent = buffer.content;
        scannedOut.countDown();
        flip.read().signal(); // the frame has left the screen: the buffer may be drawn again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() throws InterruptedException {
      thread.interrupt();
      thread.join(LONG.toMillis());
      assertThat(thread.isAlive()).isFalse();
    }
  }

  private final Buffer buffer = new Buffer();
  private final FenceContext renderer = FenceContext.create("gpu", "render");

  /** Renders frame {@code n} into the buffer: publish the write, draw, signal. */
  private void draw(int n) {
    Fence rendered = renderer.next();
    buffer.resv.addFenceWithLock(rendered, Usage.WRITE);
    buffer.content = n;
    rendered.signal();
  }

  /**
   * Wrong design: the display adds its READ fence when scan-out starts. The renderer comes back to
   * the buffer before that, finds nothing to wait for, and draws frame 2 over frame 1, which is
   * never shown.
   */
  @Test
  void readFenceAddedAtScanOut_rendererDrawsOverPresentedFrame() throws Exception {
    try (Display display = new Display(buffer, false)) {
      draw(1);
      display.present(1);

      // The renderer's next frame in this buffer: what must a write wait for?
      assertThat(buffer.resv.testSignaled(Usage.forAccess(true))).isTrue(); // nothing, it thinks
      draw(2);

      display.vsync.countDown();
      assertThat(display.scannedOut.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(display.shownContent).isEqualTo(2); // frame 1 was drawn over before it was shown
    }
  }

  /**
   * Right design: the display adds its READ fence at hand-over. The renderer coming back to the
   * buffer finds it and waits until the frame has been scanned out; frame 1 is shown intact.
   */
  @Test
  void readFenceAddedAtPresent_rendererWaitsAndFrameIsShownIntact() throws Exception {
    try (Display display = new Display(buffer, true)) {
      draw(1);
      display.present(1);

      assertThat(buffer.resv.testSignaled(Usage.forAccess(true))).isFalse(); // the display's read
      assertThat(buffer.resv.await(Usage.forAccess(true), Duration.ZERO)).isFalse();

      display.vsync.countDown();
      assertThat(buffer.resv.await(Usage.forAccess(true), LONG)).isTrue(); // until scan-out ends
      assertThat(display.scannedOut.getCount()).isZero();
      draw(2);

      assertThat(display.shownContent).isEqualTo(1);
      assertThat(buffer.content).isEqualTo(2);
    }
  }
}
