package org.fence4j.examples.explicit;

import java.time.Duration;
import org.fence4j.examples.explicit.consumer.Display;
import org.fence4j.examples.explicit.producer.Renderer;
import org.fence4j.syncfile.SyncDebug;
import org.fence4j.syncfile.SyncFile;

/**
 * Explicit synchronization with sync files: a producer module (a pretend GPU, package {@code
 * producer}) and a consumer module (a pretend display, package {@code consumer}) that know each
 * other only through {@link FrameSink}.
 *
 * <p>The producer hands over each frame before drawing it, with a render file; the display answers
 * with a release file. Nobody blocks on the submission path: the GPU queue waits on release files,
 * the display's scan-out runs when render files become ready. Frame 4 fails on the GPU; the display
 * sees the error in the render file's info and keeps the previous image.
 *
 * <p>Run: {@code java org.fence4j.examples.explicit.ExplicitSyncExample}.
 */
public final class ExplicitSyncExample {

  private ExplicitSyncExample() {}

  /**
   * Runs the example and prints what happens.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    try (Display display = new Display();
        Renderer renderer = new Renderer(display, 2, 1 << 16)) {
      for (long frame = 1; frame <= 6; frame++) {
        renderer.submit(frame, frame == 4);
      }
      System.out.print(
          "--- SyncDebug.dump() with frames in flight ---\n" + SyncDebug.dump() + "---\n");

      if (!renderer.finish(Duration.ofSeconds(5))) {
        System.out.println("the GPU did not finish in time");
      }
      try (SyncFile released = renderer.drain()) {
        // The last frame stays on screen, so its buffer is still read: the merged file is pending.
        System.out.println(
            "buffers released before the display is off: " + released.await(Duration.ZERO));
        display.powerOff();
        // Closing the display's timeline signals its pending release points with ENOENT.
        System.out.println("buffers released after: " + released.await(Duration.ofSeconds(5)));
        Renderer.report(released);
      }
    }
  }
}
