package org.fence4j.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.fence4j.Fence;
import org.fence4j.FenceCallback;
import org.fence4j.FenceContext;
import org.fence4j.FenceContexts;
import org.fence4j.FenceError;
import org.fence4j.FenceErrorException;
import org.fence4j.Fences;
import org.fence4j.SoftwareTimeline;
import org.fence4j.reservation.LockedReservations;
import org.fence4j.reservation.ReservationLocks;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.reservation.ReservationObject.Usage;
import org.fence4j.reservation.ResourceSet;
import org.fence4j.syncfile.SyncFile;
import org.fence4j.syncobj.SyncObject;
import org.fence4j.syncobj.WaitFlag;

/**
 * The Java snippets of README.md, so that they compile and run. Each lies between a line {@code //
 * README: <name>} and a line {@code // README end}; {@link ReadmeSnippetsTest} checks that every
 * Java block of the README is one of these regions, letter for letter once the region's common
 * indentation is removed, and runs them. The names the snippets use (a display, a GPU that runs
 * each job at once, a log that records) are the small world at the end of this class.
 *
 * <p>The regions are laid out for reading in the README (comments aligned in a column), so the
 * formatter leaves them alone ({@code spotless:off} / {@code spotless:on} around each).
 */
class ReadmeSnippets {

  /** The "Usage" section: a timeline, a callback, the two waits, merge, wait-any, futures. */
  void usage() throws InterruptedException {
    // spotless:off
    // README: usage
    FenceContext ring = FenceContext.create("gpu", "render-ring");   // a producer's timeline

    Fence frameDone = ring.next();                                   // seqno 1, pending
    FenceCallback show = f -> display.show(buffer, f.status());      // status 1 done, < 0 failed
    if (!frameDone.addCallback(show)) {                              // runs once, when signaled;
      show.onSignaled(frameDone);                                    // false: already signaled, and
    }                                                                // the callback will not run

    gpu.submit(() -> {
      try {
        render(buffer);
        frameDone.signal();
      } catch (RuntimeException e) {
        frameDone.signal(FenceError.EIO, e);                         // failed: error and cause()
      }
    });

    try {
      frameDone.awaitSuccess(Duration.ofMillis(16));                 // the throwing wait
    } catch (FenceErrorException e) {                                // failed: e.error(), e.getCause()
      log.warn("frame failed: " + e.error(), e.getCause());
    } catch (TimeoutException e) {
      log.warn("frame late: " + frameDone.describe());
    }

    if (!frameDone.await(Duration.ofMillis(16))) {                   // the non-throwing form: false
      log.warn("frame late");                                        // on timeout, true once
    } else if (frameDone.error().isPresent()) {                      // signaled, error or not
      log.warn("frame failed: " + frameDone.error().get());
    }

    Fence decoded = Fences.fromFuture(decoder.decodeAsync(packet));  // a future becomes a fence
    Fence inputs = Fences.merge(decoded, uploadDone);                // wait-all, flattened
    int first = Fences.waitAny(List.of(inputs, cpuDone), Duration.ofSeconds(1));
    if (first < 0) {                                                 // -1: none within the timeout
      log.warn("nothing ready");
    }

    try (SoftwareTimeline vsync = SoftwareTimeline.create("vsync")) {
      Fence nextFlip = vsync.createFence(1);
      vsync.increment(1);                                            // nextFlip signals
    }
    // README end
    // spotless:on
  }

  /** The "Explicit" part: a sync file handed over with the buffer. */
  class Explicit {
    // spotless:off
    // README: explicit
    // producer module
    void renderFrame(Buffer buffer) {
      Fence done = ring.next();
      sink.present(buffer, SyncFile.create(done));  // the consumer gets the fence with the buffer
      try {
        render(buffer);
        done.signal();
      } catch (RuntimeException e) {
        done.signal(FenceError.EIO, e);               // every fence signals, failed work too
        throw e;
      }
    }

    // consumer module, on its own thread; frameTimeout: how late a frame may be (say 50 ms)
    void show(Buffer buffer, SyncFile renderDone) throws InterruptedException {
      try (SyncFile file = renderDone) {              // closed however the wait ends
        file.awaitSuccess(frameTimeout);              // FenceErrorException (error + cause) if
        scanOut(buffer);                              // rendering failed, TimeoutException if late
      } catch (FenceErrorException | TimeoutException e) {
        log.warn("frame dropped: " + e.getMessage());
      }
    }

    // or without blocking
    void showLater(Buffer buffer, SyncFile renderDone) {
      renderDone.ready()
          .orTimeout(frameTimeout.toMillis(), TimeUnit.MILLISECONDS)  // a fence may never signal
          .whenComplete((file, failure) -> {
            try (renderDone) {                        // closed however it ends
              if (failure == null && renderDone.fence().error().isEmpty()) {
                scanOut(buffer);
              }
            }
          });
    }
    // README end
    // spotless:on
  }

  /** The "Implicit" part: a renderer and a display sharing a buffer's reservation object. */
  class Implicit {
    final BlockingQueue<Flip> flips = new LinkedBlockingQueue<>();

    /** In this snippet the display is this class: {@code display.present} is the method below. */
    final Implicit display = this;

    // spotless:off
    // README: implicit
    // renderer
    void renderFrame(Buffer buffer) throws InterruptedException, TimeoutException {
      ReservationObject resv = buffer.reservation();
      resv.awaitSuccess(Usage.forAccess(true), Duration.ofMillis(50)); // the last frame's readers and
      Fence done = ring.next();                                        // writers; throws if one failed
      resv.addFenceWithLock(done, Usage.WRITE);                        // published before the hand-over
      display.present(buffer);                                         // the hand-over
      try {
        render(buffer);
        done.signal();
      } catch (RuntimeException e) {
        done.signal(FenceError.EIO, e);
        throw e;
      }
    }

    // display
    void present(Buffer buffer) {                                    // on the renderer's thread
      Fence read = scanOut.next();
      buffer.reservation().addFenceWithLock(read, Usage.READ);       // the read, on the buffer NOW
      flips.add(new Flip(buffer, read));
    }

    void onVsync() throws InterruptedException {                     // on the display's thread
      Flip flip = flips.take();
      try {
        flip.buffer().reservation().awaitSuccess(Usage.forAccess(false), Duration.ofMillis(16));
        scanOut(flip.buffer());                                      // the render is done
      } catch (FenceErrorException | TimeoutException e) {
        log.warn("frame dropped: " + e.getMessage());
      } finally {
        flip.read().signal();                                        // the buffer is free again
      }
    }
    // README end
    // spotless:on

    /**
     * The "Implicit" part's queued variant: follow the pending fences without blocking.
     *
     * @param resv the buffer's reservation object
     */
    void submitAfterPending(ReservationObject resv) {
      // spotless:off
      // README: implicit-queued
      resv.lock();
      try {
        Fence before = resv.singleton(Usage.forAccess(true));  // null: nothing pending to follow
        Fence done = before == null ? gpu.submit(job) : gpu.submit(job, before);
        resv.reserveFences(1);
        resv.addFence(done, Usage.WRITE);
      } finally {
        resv.unlock();
      }
      // README end
      // spotless:on
    }
  }

  /** The "Locking several buffers" part. */
  void lockingSeveralBuffers(ReservationObject target, ReservationObject texture)
      throws InterruptedException, TimeoutException {
    // spotless:off
    // README: locking
    try (LockedReservations locked = ReservationLocks.lockAll(List.of(target, texture))) {
      // wound/wait locking: any order, no deadlock, automatic back-off and retry
    }

    try (ResourceSet set = ResourceSet.request().exclusive(target).shared(texture)
            .acquire(Duration.ofSeconds(1))) {            // or acquireAsync(), tryAcquire()
      render(buffer);                                    // FIFO per buffer, shared holders together
    }                                                    // release(); a cancelled request is as if never made
    // README end
    // spotless:on
  }

  /** The "Timelines (syncobj)" part: a wait for a point not submitted yet. */
  class Timeline {
    // spotless:off
    // README: syncobj
    final SyncObject frames = SyncObject.create();

    void consumer() throws InterruptedException {    // waits for frame 3, even before it is submitted
      if (SyncObject.waitAll(List.of(frames.at(3)), Duration.ofSeconds(1), WaitFlag.FOR_SUBMIT)) {
        scanOut(buffer);
      } else {
        log.warn("frame 3 late");
      }
    }

    void producer() {                                // on another thread
      Fence rendered = ring.next();
      frames.addPoint(3, rendered);                  // wakes the consumer's wait-for-submit...
      rendered.signal();                             // ...and this completes its wait
    }
    // README end
    // spotless:on
  }

  // ---------------------------------------------------------------------------------------------
  // The world the snippets talk about: deterministic, nothing runs on another thread by itself.

  final FenceContext ring = FenceContext.create("gpu", "render-ring");
  final FenceContext scanOut = FenceContext.create("display", "scan-out");
  final Buffer buffer = new Buffer("frame");
  final Display display = new Display();
  final Gpu gpu = new Gpu();
  final Log log = new Log();
  final Sink sink = new Sink();
  final Decoder decoder = new Decoder();
  final String packet = "packet";
  final Fence uploadDone = Fence.stub();
  final Fence cpuDone = ring.next();
  final Runnable job = () -> {};
  final List<Buffer> scannedOut = Collections.synchronizedList(new ArrayList<>());

  /** How late a frame may be before the consumer drops it; a test may set it before a snippet. */
  Duration frameTimeout = Duration.ofMillis(50);

  void render(Buffer b) {
    if (b.broken) {
      throw new IllegalStateException("render of " + b.name + " failed");
    }
    b.rendered++;
  }

  void scanOut(Buffer b) {
    scannedOut.add(b);
  }

  /** A buffer with its reservation object; {@code broken} makes its rendering throw. */
  static final class Buffer {
    final String name;
    final ReservationObject reservation;
    boolean broken;
    int rendered;

    Buffer(String name) {
      this.name = name;
      this.reservation = new ReservationObject(name);
    }

    ReservationObject reservation() {
      return reservation;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A frame handed to the display: the buffer and the display's read fence on it. */
  record Flip(Buffer buffer, Fence read) {}

  /** Records what it was asked to show, with the fence's status. */
  static final class Display {
    final List<Integer> shown = Collections.synchronizedList(new ArrayList<>());

    void show(Buffer b, int status) {
      shown.add(status);
    }
  }

  /** Runs each job at once and returns a fence that signals when it has run. */
  static final class Gpu {
    private final FenceContext context = FenceContext.create("gpu", "queue");
    final List<Fence> submitted = Collections.synchronizedList(new ArrayList<>());

    Fence submit(Runnable job) {
      Fence done = context.next();
      submitted.add(done);
      job.run();
      done.signal();
      return done;
    }

    Fence submit(Runnable job, Fence after) {
      Fence done = context.next();
      submitted.add(done);
      FenceCallback run =
          f -> {
            job.run();
            done.signal();
          };
      if (!after.addCallback(run)) {
        run.onSignaled(after);
      }
      return done;
    }
  }

  /** Records warnings. */
  static final class Log {
    final List<String> warnings = Collections.synchronizedList(new ArrayList<>());

    void warn(String message) {
      warnings.add(message);
    }

    void warn(String message, Throwable cause) {
      warnings.add(message + " (" + cause + ")");
    }
  }

  /** Receives explicit hand-overs. */
  static final class Sink {
    volatile Optional<SyncFile> received = Optional.empty();

    void present(Buffer b, SyncFile file) {
      received = Optional.of(file);
    }
  }

  /** Decodes at once. */
  static final class Decoder {
    CompletableFuture<String> decodeAsync(String packet) {
      return CompletableFuture.completedFuture("decoded " + packet);
    }
  }

  /** A driver's own fence, as in the README's test kit snippet ({@link MyFenceContractTest}). */
  static final class MyFence extends Fence {
    MyFence() {
      super(FenceContexts.allocate(1), 1L);
    }

    @Override
    public String driverName() {
      return "my-driver";
    }

    @Override
    public String timelineName() {
      return "my-timeline";
    }
  }
}
