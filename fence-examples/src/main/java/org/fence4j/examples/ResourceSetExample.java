package org.fence4j.examples;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.ResourceSet;

/**
 * KDS-style resource sets: clients ask for several buffers at once, each exclusive or shared, and
 * are granted in FIFO order, synchronously or through a callback.
 *
 * <p>A GPU job takes its render target exclusively and its texture shared; the display asks for the
 * render target shared (to scan it out) and is called back when the job is done; a second GPU job
 * and a texture upload queue behind. One request is cancelled and disappears as if it had never
 * been made. Finally a fence-based video decoder, which knows nothing about resource sets, writes
 * the texture: resource sets wait for its WRITE fence like any implicit-sync user.
 *
 * <p>Run: {@code java org.fence4j.examples.ResourceSetExample}.
 */
public final class ResourceSetExample {
  private ResourceSetExample() {}

  /**
   * Runs the example and prints what happens.
   *
   * @param args ignored
   * @throws Exception if a wait times out or is interrupted
   */
  public static void main(String[] args) throws Exception {
    ReservationObject target = new ReservationObject();
    ReservationObject texture = new ReservationObject();

    ResourceSet job1 =
        ResourceSet.request().exclusive(target).shared(texture).acquire(Duration.ofSeconds(1));
    System.out.println("gpu job 1 granted: target exclusive, texture shared");

    CompletableFuture<ResourceSet> scanout = ResourceSet.request().shared(target).acquireAsync();
    scanout.thenAccept(s -> System.out.println("  callback: display granted, scanning out"));
    CompletableFuture<ResourceSet> job2 = ResourceSet.request().exclusive(target).acquireAsync();
    job2.thenAccept(s -> System.out.println("  callback: gpu job 2 granted"));
    CompletableFuture<ResourceSet> upload = ResourceSet.request().exclusive(texture).acquireAsync();
    upload.thenAccept(s -> System.out.println("  callback: texture upload granted"));
    CompletableFuture<ResourceSet> preview = ResourceSet.request().shared(target).acquireAsync();
    System.out.println("queued: display (shared), job 2 (exclusive), upload, preview (shared)");

    Optional<ResourceSet> peek = ResourceSet.request().shared(texture).tryAcquire();
    System.out.println(
        "tryAcquire texture shared while the upload waits: "
            + peek.isPresent()
            + " (a shared request never overtakes a queued exclusive one)");

    System.out.println("preview cancelled: " + preview.cancel(false));

    System.out.println("gpu job 1 releases");
    job1.release();
    System.out.println("display releases at the next vsync");
    scanout.join().release();
    System.out.println("gpu job 2 and the upload release");
    job2.join().release();
    upload.join().release();

    System.out.println("-- a fence producer on the same buffer --");
    FenceContext decoder = FenceContext.create("video", "decoder");
    Fence decoded = decoder.next();
    texture.lock();
    try {
      texture.reserveFences(1);
      texture.addFence(decoded, Usage.WRITE);
    } finally {
      texture.unlock();
    }
    System.out.println("decoder writes the texture: " + decoded.describe());
    try {
      ResourceSet.request().shared(texture).acquire(Duration.ofMillis(20));
    } catch (TimeoutException e) {
      System.out.println("a reader gives up while the decoder writes: " + e.getMessage());
    }
    CompletableFuture<ResourceSet> reader = ResourceSet.request().shared(texture).acquireAsync();
    reader.thenAccept(s -> System.out.println("  callback: reader granted after the decoder"));
    System.out.println("decoder signals");
    decoded.signal();
    ResourceSet r = reader.join();
    System.out.println("the reader's fence is on the texture: " + texture.describe());
    r.release();
    System.out.println("resource set example finished");
  }
}
