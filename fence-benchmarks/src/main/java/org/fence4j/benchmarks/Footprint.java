package org.fence4j.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContext;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Pair 8: bytes of a fence next to a {@code CompletableFuture} in the same state, measured with
 * JOL: pending with no callback, pending with one callback, signaled.
 *
 * <p>The number compared is what one more instance costs: the objects reachable from it that are
 * not shared with another instance made the same way. It is measured as {@code size(a, b) -
 * size(b)} for two instances {@code a} and {@code b} built alike, with {@link
 * GraphLayout#totalSize()}, so the producer's {@link FenceContext}, its name strings, a shared
 * callback object or a shared "no callbacks" sentinel count once for all fences and not per fence.
 * The full graph of one instance ({@code parseInstance(a).totalSize()}) is printed next to it, with
 * JOL's field layout of each class.
 *
 * <p>Usage: {@code Footprint [csvFile]}: prints the report on standard output, and with a file
 * argument also writes the rows {@code what,fence4j_bytes,CompletableFuture_bytes} for {@link
 * RatioReport}.
 */
public final class Footprint {

  private static final FenceCallback CALLBACK = fence -> {};
  private static final Runnable RUNNABLE = () -> {};

  private Footprint() {}

  /** One state measured on both sides. */
  private record Case(String what, Supplier<Object> fence4j, Supplier<Object> peer) {}

  public static void main(String[] args) throws IOException {
    FenceContext context = FenceContext.create("bench", "footprint");
    List<Case> cases =
        List.of(
            new Case("pending", context::next, CompletableFuture::new),
            new Case(
                "pending-1cb",
                () -> {
                  Fence fence = context.next();
                  fence.addCallback(CALLBACK);
                  return fence;
                },
                () -> {
                  CompletableFuture<Void> future = new CompletableFuture<>();
                  future.thenRun(RUNNABLE);
                  return future;
                }),
            new Case(
                "signaled",
                () -> {
                  Fence fence = context.next();
                  fence.signal();
                  return fence;
                },
                () -> {
                  CompletableFuture<Void> future = new CompletableFuture<>();
                  future.complete(null);
                  return future;
                }));

    PrintStream out = System.out;
    out.println(VM.current().details());
    List<String> rows = new ArrayList<>();
    // Keep every measured object reachable until the end, so no address is reused meanwhile.
    List<Object> keep = new ArrayList<>();
    for (Case c : cases) {
      Object fenceA = c.fence4j().get();
      Object fenceB = c.fence4j().get();
      Object peerA = c.peer().get();
      Object peerB = c.peer().get();
      keep.add(fenceA);
      keep.add(fenceB);
      keep.add(peerA);
      keep.add(peerB);
      long fenceBytes = perInstance(fenceA, fenceB);
      long peerBytes = perInstance(peerA, peerB);
      rows.add(c.what() + "," + fenceBytes + "," + peerBytes);

      out.println("==== footprint-" + c.what());
      out.printf(
          "fence4j %s: %d bytes per instance (%d bytes in its whole graph)%n",
          fenceA.getClass().getName(), fenceBytes, GraphLayout.parseInstance(fenceA).totalSize());
      out.printf(
          "CompletableFuture: %d bytes per instance (%d bytes in its whole graph)%n",
          peerBytes, GraphLayout.parseInstance(peerA).totalSize());
      out.println(GraphLayout.parseInstance(fenceA).toFootprint());
      out.println(GraphLayout.parseInstance(peerA).toFootprint());
    }
    out.println("==== field layout of the fence class");
    out.println(ClassLayout.parseInstance(keep.get(0)).toPrintable());

    if (args.length > 0) {
      Files.write(Path.of(args[0]), rows, StandardCharsets.UTF_8);
    }
    out.println("what,fence4j_bytes,CompletableFuture_bytes");
    rows.forEach(out::println);
  }

  /** Bytes reachable from {@code a} and not from {@code b}, for two instances built alike. */
  private static long perInstance(Object a, Object b) {
    return GraphLayout.parseInstance(a, b).totalSize() - GraphLayout.parseInstance(b).totalSize();
  }
}
