package org.fence4j.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceError;
import org.fence4j.Fences;
import org.fence4j.SoftwareTimeline;

/**
 * The README's demo: a producer and a consumer on a software timeline, a wait-any, and a fence
 * array, printing what happens.
 *
 * <p>Run it with {@code ./mvnw -q -pl fence-examples -am package -DskipTests -Pdemo}.
 */
public final class Demo {
  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting
   */
  public static void main(String[] args) throws InterruptedException {
    producerAndConsumer();
    waitAny();
    fenceArray();
    System.out.println("demo finished");
  }

  /** A decoder thread advances a timeline; the consumer waits on points of it. */
  private static void producerAndConsumer() throws InterruptedException {
    System.out.println("== producer and consumer on a software timeline ==");
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
      Fence never = decoder.createFence(10);
      decoder.close();
      System.out.println("  closing the timeline fails its pending point: " + never.describe());
    }
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
        "  frame status " + frame.status() + ", error " + frame.error().map(FenceError::name).orElse("none"));
  }
}
