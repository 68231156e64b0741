package org.fence4j.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.Fences;
import org.fence4j.SoftwareTimeline;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.syncfile.SyncFile;

/**
 * The basics, printing what happens: a producer and a consumer on a software timeline, a wait-any,
 * a fence array, and a decoder-to-display hand-over over two shared buffers (sync files one way,
 * reservation objects the other).
 *
 * <p>Run it with {@code ./mvnw -q -pl fence-examples -am package -DskipTests -Pdemo
 * -Ddemo.mainClass=org.fence4j.examples.BasicsExample}.
 */
public final class BasicsExample {
  private BasicsExample() {}

  /**
   * Runs the examples.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    producerAndConsumer();
    waitAny();
    fenceArray();
    pipeline();
    System.out.println("basics finished");
  }

  /** A decoder thread advances a timeline; the consumer waits on points of it. */
  private static void producerAndConsumer() throws InterruptedException {
    System.out.println("== producer and consumer on a software timeline ==");
    Fence never;
    try (SoftwareTimeline decoder = SoftwareTimeline.create("decoder")) {
      List<Fence> frames = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        Fence frame = decoder.createFence(i);
        int n = i;
        frame.addCallback(f -> System.out.println("  callback: frame " + n + " decoded"));
        frames.add(frame);
      }
      Thread producer =
          new Thread(
              () -> {
                for (int i = 1; i <= 3; i++) {
                  System.out.println("  producer: decoding frame " + i);
                  decoder.increment(1);
                }
              },
              "producer");
      producer.start();
      for (int i = 0; i < frames.size(); i++) {
        frames.get(i).await();
        System.out.println("  consumer: frame " + (i + 1) + " ready: " + frames.get(i).describe());
      }
      producer.join();
      never = decoder.createFence(10);
    }
    System.out.println("  closing the timeline fails its pending point: " + never.describe());
  }

  /** Two engines race; the consumer takes whichever finishes first. */
  private static void waitAny() throws InterruptedException {
    System.out.println("== wait-any ==");
    SoftwareTimeline gpu = SoftwareTimeline.create("gpu");
    SoftwareTimeline cpu = SoftwareTimeline.create("cpu");
    List<Fence> candidates = List.of(gpu.createFence(1), cpu.createFence(1));
    Thread cpuWorker = new Thread(() -> cpu.increment(1), "cpu-worker");
    cpuWorker.start();
    int winner = Fences.waitAny(candidates, Duration.ofSeconds(5));
    cpuWorker.join();
    System.out.println(
        "  first done: index " + winner + " (" + candidates.get(winner).timelineName() + ")");
    gpu.close();
    cpu.close();
  }

  /** A composite frame needs every layer; one layer fails. */
  private static void fenceArray() throws InterruptedException {
    System.out.println("== fence array ==");
    SoftwareTimeline layers = SoftwareTimeline.create("layers");
    SoftwareTimeline upload = SoftwareTimeline.create("upload");
    Fence background = layers.createFence(1);
    Fence text = layers.createFence(2);
    Fence texture = upload.createFence(1);
    FenceArray frame = FenceArray.all(List.of(background, text, texture));
    frame.addCallback(f -> System.out.println("  composite callback: " + f.describe()));
    layers.increment(2);
    System.out.println("  layers done, frame signaled? " + frame.isSignaled());
    upload.close(); // the upload engine dies: its pending point signals with ENOENT
    frame.await();
    System.out.println(
        "  frame status "
            + frame.status()
            + ", error "
            + frame.error().map(FenceError::name).orElse("none"));
  }

  /** A frame queued for display: the buffer and the sync file that says when it is decoded. */
  private record Flip(int frame, int buffer, SyncFile decoded) {}

  /**
   * A decoder fills two buffers in turn and hands each frame to a display thread with a sync file
   * (explicit: "the frame is decoded"). The display's scan-out fences go on the buffers'
   * reservation objects (implicit: "the buffer is still on screen"), and the decoder waits for them
   * before it writes a buffer again. Neither side ever waits on the other directly.
   *
   * <p>The display puts its scan-out fence on the buffer in {@code present}, when the frame is
   * handed over, not when it starts showing the frame (the read-fence rule): the decoder may come
   * back to the buffer before the display has taken the frame, and must find the display's read
   * there, or it would decode the next frame over the one about to be shown.
   */
  private static void pipeline() throws InterruptedException {
    System.out.println("== pipeline: decoder -> display over two shared buffers ==");
    int frames = 4;
    ReservationObject[] buffers = {new ReservationObject(), new ReservationObject()};
    FenceContext decoder = FenceContext.create("decoder", "vdec");
    BlockingQueue<Flip> flips = new LinkedBlockingQueue<>();
    try (SoftwareTimeline vsync = SoftwareTimeline.create("vsync")) {
      Thread display =
          new Thread(
              () -> {
                try {
                  for (int i = 1; i <= frames; i++) {
                    Flip flip = flips.take();
                    try (SyncFile file = flip.decoded()) {
                      file.awaitSuccess(Duration.ofSeconds(5)); // throws if decoding failed
                      System.out.printf(
                          "  display: showing frame %d from buffer %d (%s)%n",
                          flip.frame(), flip.buffer(), file.name());
                    } catch (TimeoutException | FenceErrorException e) {
                      System.out.println("  display: frame " + flip.frame() + " lost: " + e);
                    }
                    vsync.increment(1); // vsync i: frame i - 1 leaves the screen
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "display");
      display.start();
      for (int i = 1; i <= frames; i++) {
        int b = i % 2;
        ReservationObject buffer = buffers[b];
        if (!buffer.testSignaled(Usage.forAccess(true))) {
          System.out.printf("  decoder: frame %d waits for buffer %d to leave the screen%n", i, b);
        }
        try {
          buffer.awaitSuccess(Usage.forAccess(true), Duration.ofSeconds(5)); // readers, writers
        } catch (TimeoutException e) {
          throw new IllegalStateException("buffer " + b + " never left the screen", e);
        }
        Fence decoded = decoder.next();
        buffer.addFenceWithLock(decoded, Usage.WRITE); // published before the hand-over
        // The hand-over: the display's read goes on the buffer now. It ends when the frame
        // leaves the screen, at the vsync that shows the next frame.
        buffer.addFenceWithLock(vsync.createFence(i + 1), Usage.READ);
        flips.put(new Flip(i, b, SyncFile.create(decoded)));
        System.out.printf("  decoder: frame %d decoded into buffer %d%n", i, b);
        decoded.signal();
      }
      display.join();
    }
  }
}
