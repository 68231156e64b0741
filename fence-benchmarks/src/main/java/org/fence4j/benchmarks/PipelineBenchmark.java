package org.fence4j.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.fence4j.Fence;
import org.fence4j.FenceContext;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.syncfile.SyncFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole pipeline, render → compose → display over three shared buffers, {@value #FRAMES} frames
 * per operation, on two threads: the benchmark thread renders, a second thread (started once per
 * trial) composes and displays.
 *
 * <p>Frame {@code i} is drawn into buffer {@code i % 3}. Per frame:
 *
 * <ol>
 *   <li><b>render</b> (benchmark thread): wait until the buffer is free (the compositor has read
 *       the frame drawn there three frames ago), publish the render fence on the buffer, present
 *       the frame, draw it, signal;
 *   <li><b>present</b> (still the benchmark thread, at hand-over): the compositor puts its read
 *       fence on the buffer <em>now</em>, before the renderer can come back to it, and queues the
 *       frame;
 *   <li><b>compose</b> (second thread): wait for the buffer's writers (the render fence), read the
 *       buffer into the scan-out plane, signal the read fence, hand the plane to the display with
 *       an explicit completion;
 *   <li><b>display</b> (second thread): wait for that completion, scan the plane out.
 * </ol>
 *
 * <p>{@code fence4j}: a {@link ReservationObject} per buffer between render and compose (implicit
 * sync: {@code addFenceWithLock} to publish, lock-free {@code awaitSuccess} on {@link
 * Usage#forAccess(boolean)}), a {@link SyncFile} from compose to display ({@code awaitSuccess}).
 * {@code completableFuture}: the same written as a Java developer would without fence4j: per buffer
 * a {@link ReentrantLock} guarding the last write's and the last read's {@link CompletableFuture},
 * futures completed by the stages and waited on with {@code get}, the compose future itself handed
 * to the display. Both sides hand frame numbers to the second thread through the same
 * allocation-free counter, so only the synchronization differs.
 *
 * <p>Per-frame allocation: run with {@code -prof gc} and divide {@code gc.alloc.rate.norm} (bytes
 * per operation, all threads) by {@value #FRAMES}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineBenchmark {

  /** Frames per operation. */
  public static final int FRAMES = 1000;

  static final int BUFFERS = 3;
  static final int PIXELS = 64;
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * A frame count advanced by one thread and awaited by one other: a volatile long, the waiter
   * parked with {@link LockSupport}; allocates nothing. The Dekker pair (advance writes the value
   * then reads the waiter; the waiter writes itself then reads the value) means a wake-up is never
   * lost.
   */
  static final class Progress {
    private volatile long value;
    private volatile Thread waiter;
    private volatile boolean stopped;

    void advance(long v) {
      value = v;
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }

    /** Waits until the count reaches {@code target}; false if stopped first. */
    boolean awaitAtLeast(long target) {
      if (value >= target) {
        return true;
      }
      waiter = Thread.currentThread();
      try {
        while (value < target) {
          if (stopped) {
            return false;
          }
          LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        return true;
      } finally {
        waiter = null;
      }
    }

    void stop() {
      stopped = true;
      Thread w = waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    }
  }

  /** Drawing: fill the buffer from the frame number. */
  static void draw(int[] pixels, long frame) {
    for (int p = 0; p < pixels.length; p++) {
      pixels[p] = (int) frame + p;
    }
  }

  /**
   * What every side shares: the buffers' pixels, the scan-out plane, and one operation: render
   * {@value #FRAMES} frames on the benchmark thread, then wait for the display to show the last.
   */
  abstract static class Frames {
    final int[][] pixels = new int[BUFFERS][PIXELS];
    final int[] plane = new int[PIXELS];
    long frame; // benchmark thread only

    /** Renders frame {@code i} (benchmark thread). */
    abstract void render(long i) throws Exception;

    /** Waits until the display has shown the last frame rendered; returns what it showed. */
    abstract long finish() throws Exception;

    /** One benchmark operation. */
    final long run() throws Exception {
      for (int k = 0; k < FRAMES; k++) {
        render(++frame);
      }
      return finish();
    }
  }

  /** The second thread of a pipeline, started per trial, stopped at tear-down. */
  abstract static class Pipeline extends Frames {
    final Progress presented = new Progress();
    final Progress displayed = new Progress();
    long shown; // second thread only, read after displayed.awaitAtLeast
    private Thread compositor;
    private volatile Throwable failure;

    void start(String name) {
      compositor =
          new Thread(
              () -> {
                try {
                  for (long i = 1; presented.awaitAtLeast(i); i++) {
                    composeAndDisplay(i);
                    displayed.advance(i);
                  }
                } catch (Throwable t) {
                  failure = t;
                  displayed.stop();
                }
              },
              name);
      compositor.setDaemon(true);
      compositor.start();
    }

    abstract void composeAndDisplay(long i) throws Exception;

    @Override
    long finish() {
      if (!displayed.awaitAtLeast(frame)) {
        throw new IllegalStateException("compositor failed", failure);
      }
      return shown;
    }

    void stop() throws InterruptedException {
      presented.stop();
      compositor.join(TIMEOUT.toMillis());
    }

    /** Compose: copy the buffer into the scan-out plane. */
    void compose(int b) {
      System.arraycopy(pixels[b], 0, plane, 0, PIXELS);
    }

    /** Scan-out: read the plane. */
    void scanOut() {
      shown = plane[0];
    }
  }

  // ---------------------------------------------------------------------------------------------
  // fence4j

  /** fence4j: reservation objects between render and compose, a sync file to the display. */
  @State(Scope.Thread)
  public static class Fence4jPipeline extends Pipeline {
    final ReservationObject[] buffers = new ReservationObject[BUFFERS];
    final Fence[] reads = new Fence[BUFFERS]; // the compositor's read fence per buffer
    final FenceContext renderer = FenceContext.create("bench", "render");
    final FenceContext compositor = FenceContext.create("bench", "compose");

    @Setup(Level.Trial)
    public void setUp() {
      for (int b = 0; b < BUFFERS; b++) {
        buffers[b] = new ReservationObject();
      }
      start("fence4j-compositor");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop();
    }

    @Override
    void render(long i) throws Exception {
      int b = (int) (i % BUFFERS);
      ReservationObject buffer = buffers[b];
      buffer.awaitSuccess(Usage.forAccess(true), TIMEOUT); // readers and writers of the last use
      Fence rendered = renderer.next();
      buffer.addFenceWithLock(rendered, Usage.WRITE);
      present(i, b);
      draw(pixels[b], i);
      rendered.signal();
    }

    /** Hand-over: the compositor's read fence goes on the buffer now, then the frame is queued. */
    void present(long i, int b) {
      Fence read = compositor.next();
      buffers[b].addFenceWithLock(read, Usage.READ);
      reads[b] = read;
      presented.advance(i);
    }

    @Override
    void composeAndDisplay(long i) throws Exception {
      int b = (int) (i % BUFFERS);
      buffers[b].awaitSuccess(Usage.forAccess(false), TIMEOUT); // the render fence
      Fence read = reads[b];
      compose(b);
      read.signal(); // the renderer may reuse the buffer
      try (SyncFile composed = SyncFile.create(read)) {
        composed.awaitSuccess(TIMEOUT); // display
        scanOut();
      }
    }
  }

  @Benchmark
  public long fence4j(Fence4jPipeline p) throws Exception {
    return p.run();
  }

  // ---------------------------------------------------------------------------------------------
  // CompletableFuture + ReentrantLock

  /** One buffer of the peer: a lock guarding the futures of its last write and last read. */
  static final class LockedBuffer {
    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    final ReentrantLock lock = new ReentrantLock();
    CompletableFuture<Void> lastWrite = DONE; // guarded by lock
    CompletableFuture<Void> lastRead = DONE; // guarded by lock
  }

  /**
   * The lean peer: a ReentrantLock per buffer, CompletableFutures completed by the stages and
   * waited on with {@code get}, the frame hand-off through the same counter as fence4j.
   */
  @State(Scope.Thread)
  public static class FuturePipeline extends Pipeline {
    final LockedBuffer[] buffers = new LockedBuffer[BUFFERS];
    final CompletableFuture<?>[] reads = new CompletableFuture<?>[BUFFERS];

    @Setup(Level.Trial)
    public void setUp() {
      for (int b = 0; b < BUFFERS; b++) {
        buffers[b] = new LockedBuffer();
      }
      start("future-compositor");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stop();
    }

    @Override
    void render(long i) throws Exception {
      int b = (int) (i % BUFFERS);
      LockedBuffer buffer = buffers[b];
      CompletableFuture<Void> lastRead;
      CompletableFuture<Void> lastWrite;
      buffer.lock.lock();
      try {
        lastRead = buffer.lastRead;
        lastWrite = buffer.lastWrite;
      } finally {
        buffer.lock.unlock();
      }
      lastRead.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      lastWrite.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      CompletableFuture<Void> rendered = new CompletableFuture<>();
      buffer.lock.lock();
      try {
        buffer.lastWrite = rendered;
      } finally {
        buffer.lock.unlock();
      }
      present(i, b);
      draw(pixels[b], i);
      rendered.complete(null);
    }

    void present(long i, int b) {
      CompletableFuture<Void> read = new CompletableFuture<>();
      LockedBuffer buffer = buffers[b];
      buffer.lock.lock();
      try {
        buffer.lastRead = read;
      } finally {
        buffer.lock.unlock();
      }
      reads[b] = read;
      presented.advance(i);
    }

    @Override
    void composeAndDisplay(long i) throws Exception {
      int b = (int) (i % BUFFERS);
      LockedBuffer buffer = buffers[b];
      CompletableFuture<Void> lastWrite;
      buffer.lock.lock();
      try {
        lastWrite = buffer.lastWrite;
      } finally {
        buffer.lock.unlock();
      }
      lastWrite.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      @SuppressWarnings("unchecked")
      CompletableFuture<Void> read = (CompletableFuture<Void>) reads[b];
      compose(b);
      read.complete(null);
      // display
      read.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      scanOut();
    }
  }

  @Benchmark
  public long completableFutureDirect(FuturePipeline p) throws Exception {
    return p.run();
  }

  /**
   * The idiomatic peer: the stages as a {@link CompletableFuture} chain. The renderer makes the
   * render future, chains compose onto it with {@code thenRunAsync} on the compositor's
   * single-thread executor and display with {@code thenRun}, and records the render and compose
   * futures on the buffer under its {@link ReentrantLock} (at hand-over, so the next writer waits
   * for the compose read).
   */
  @State(Scope.Thread)
  public static class ChainPipeline extends Frames {
    final LockedBuffer[] buffers = new LockedBuffer[BUFFERS];
    ExecutorService compositor;
    CompletableFuture<Void> last = LockedBuffer.DONE; // benchmark thread only
    volatile long shown;

    @Setup(Level.Trial)
    public void setUp() {
      for (int b = 0; b < BUFFERS; b++) {
        buffers[b] = new LockedBuffer();
      }
      compositor =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "chain-compositor");
                t.setDaemon(true);
                return t;
              });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      compositor.shutdown();
      compositor.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    void render(long i) throws Exception {
      int b = (int) (i % BUFFERS);
      LockedBuffer buffer = buffers[b];
      CompletableFuture<Void> lastRead;
      CompletableFuture<Void> lastWrite;
      buffer.lock.lock();
      try {
        lastRead = buffer.lastRead;
        lastWrite = buffer.lastWrite;
      } finally {
        buffer.lock.unlock();
      }
      CompletableFuture.allOf(lastRead, lastWrite).get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      CompletableFuture<Void> rendered = new CompletableFuture<>();
      CompletableFuture<Void> composed =
          rendered.thenRunAsync(() -> System.arraycopy(pixels[b], 0, plane, 0, PIXELS), compositor);
      CompletableFuture<Void> displayed = composed.thenRun(() -> shown = plane[0]);
      buffer.lock.lock();
      try {
        buffer.lastWrite = rendered;
        buffer.lastRead = composed; // present: the read is on the buffer at hand-over
      } finally {
        buffer.lock.unlock();
      }
      draw(pixels[b], i);
      rendered.complete(null);
      last = displayed;
    }

    @Override
    long finish() throws Exception {
      last.get(TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      return shown;
    }
  }

  @Benchmark
  public long completableFuture(ChainPipeline p) throws Exception {
    return p.run();
  }
}
