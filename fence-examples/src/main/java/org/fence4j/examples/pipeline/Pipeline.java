package org.fence4j.examples.pipeline;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.fence4j.SoftwareTimeline;
import org.fence4j.debug.FenceTrace;
import org.fence4j.debug.FenceTracking;
import org.fence4j.debug.FenceWatchdog;
import org.fence4j.debug.PendingFence;
import org.fence4j.examples.pipeline.EventLog.Stage;
import org.fence4j.reservation.ReservationObject;
import org.fence4j.syncfile.SyncFile;
import org.jspecify.annotations.Nullable;

/**
 * The render → compose → display pipeline, driven by a scripted clock.
 *
 * <p>Three stage threads share three buffers. The renderer draws frame {@code k} into buffer {@code
 * (k - 1) % 3} once every fence on it has signaled, and hands the buffer to the compositor through
 * the buffer's {@link ReservationObject} (implicit sync: the compositor waits for the buffer's
 * WRITE fences, whoever added them). The compositor hands each composed frame to the display with a
 * {@link SyncFile} (explicit sync), and the display shows, at each vsync of a {@link
 * SoftwareTimeline}, the newest frame whose sync file has signaled.
 *
 * <p>Determinism: the GPU is modeled ({@link GpuRing}): its fences signal at scripted ticks, and
 * vsync ticks too, and the display engine releases buffers at vsync. Only the driver (this class's
 * {@link #run}) advances the clock and signals those fences, one at a time, and after each it waits
 * until every stage is blocked again ({@link Quiescence}). So what a stage sees when it wakes
 * (which fences have signaled) depends on the script alone, never on thread timing, and each run
 * shows and drops the same frames and makes the same waits. Real time only paces the ticks (so that
 * the trace's picture is spread out) and bounds the hang: the watchdog measures real time.
 */
final class Pipeline {
  /** How many shared buffers: triple buffering. */
  static final int BUFFERS = 3;

  final Script script;
  final Quiescence quiescence;
  final Mailbox<ComposeStage.Job> composeQueue;
  final EventLog log = new EventLog();
  final PrintStream out;
  final Frame[] frames;
  final ReservationObject[] buffers = new ReservationObject[BUFFERS];
  final FenceContext renderTimeline = FenceContext.create("gpu", "render");
  final FenceContext composeTimeline = FenceContext.create("gpu", "compose");
  final FenceContext scanoutTimeline = FenceContext.create("kms", "scanout");
  final SoftwareTimeline vsync = SoftwareTimeline.create("vsync");
  final GpuRing renderRing = new GpuRing("render", this::now);
  final GpuRing composeRing = new GpuRing("compose", this::now);
  final ConcurrentLinkedQueue<DisplayStage.Commit> commits = new ConcurrentLinkedQueue<>();

  /** Release fences the display let go of at a vsync; the driver signals them one by one. */
  final ConcurrentLinkedQueue<Fence> releases = new ConcurrentLinkedQueue<>();

  final AtomicInteger renderWaits = new AtomicInteger();
  final AtomicInteger heldBackByScreen = new AtomicInteger();
  final AtomicInteger composeWaits = new AtomicInteger();
  final AtomicInteger vsyncWaits = new AtomicInteger();

  /** The frame on screen (0: none yet); written by the display, read by the renderer's log. */
  volatile int onScreen;

  private final long tickNanos;
  private final Duration watchdogThreshold;
  private volatile long tick;
  private volatile boolean finished;
  private volatile @Nullable Throwable failure;
  private final List<PendingFence> reports = new CopyOnWriteArrayList<>();
  private volatile @Nullable Thread driver;

  /**
   * @param script what happens
   * @param tickNanos real time per tick, for the picture only (0: as fast as possible)
   * @param watchdogThreshold the watchdog's threshold
   * @param out where progress lines go
   */
  Pipeline(Script script, long tickNanos, Duration watchdogThreshold, PrintStream out) {
    this.script = script;
    this.tickNanos = tickNanos;
    this.watchdogThreshold = watchdogThreshold;
    this.out = out;
    this.quiescence = new Quiescence(Duration.ofSeconds(30));
    this.composeQueue = new Mailbox<>(quiescence);
    this.frames = new Frame[script.frames() + 1];
    for (int k = 1; k <= script.frames(); k++) {
      frames[k] = new Frame(k, BUFFERS);
    }
    for (int b = 0; b < BUFFERS; b++) {
      buffers[b] = new ReservationObject("buffer-" + b);
    }
  }

  /** The scripted clock's current tick. */
  long now() {
    return tick;
  }

  /** A stage failed: the driver stops at its next check. */
  void fail(Throwable t) {
    if (failure == null) {
      failure = t;
    }
    Thread d = driver;
    if (d != null) {
      LockSupport.unpark(d);
    }
  }

  /** The display showed or dropped the last frame. */
  void finish() {
    finished = true;
  }

  /** What the hang handler saw. */
  record Hang(Fence fence, PendingFence report, List<String> stuck) {}

  /** What a run produced, for {@link PipelineDemo}. */
  record Outcome(@Nullable Hang hang, List<PendingFence> reports, FenceTrace trace) {}

  /**
   * Runs the script to the end.
   *
   * @return the hang handled (if the script has one), every watchdog report, and the trace of the
   *     run (closed: from the stages' start to their end)
   * @throws InterruptedException if interrupted
   * @throws IllegalStateException if a stage failed or got stuck
   */
  @SuppressWarnings("try") // the watchdog only has to run while the block does
  Outcome run() throws InterruptedException {
    driver = Thread.currentThread();
    Hang hang = null;
    FenceTrace trace;
    // An application starts its watchdog with the pipeline; it turns fence tracking on.
    try (FenceWatchdog watchdog = FenceWatchdog.start(watchdogThreshold, this::reported)) {
      List<Thread> threads =
          List.of(
              new Thread(new RenderStage(this)::run, "render-stage"),
              new Thread(new ComposeStage(this)::run, "compose-stage"),
              new Thread(new DisplayStage(this)::run, "display-stage"));
      quiescence.enter(); // the renderer runs from the start
      quiescence.enter(); // and so does the display
      quiescence.enter(); // and the compositor, until it waits for its first job
      trace = FenceTrace.start(); // every fence and wait of the run, for the picture
      threads.forEach(Thread::start);
      try {
        settle();
        long lastTick = System.nanoTime();
        while (!finished) {
          tick++;
          lastTick = pace(lastTick);
          while (renderRing.completeDue()) {
            settle();
          }
          Fence hung = renderRing.hungFor(script.hangTimeout());
          if (hung != null) {
            hang = recover(hung);
            settle();
          }
          while (composeRing.completeDue()) {
            settle();
          }
          if (tick % script.vsyncPeriod() == 0) {
            vsync.increment(1);
            settle();
            // The display engine lets go of the buffers the display stage released at this vsync.
            for (Fence released = releases.poll(); released != null; released = releases.poll()) {
              released.signal();
              settle();
            }
          }
        }
      } finally {
        vsync.close(); // a stage still waiting for vsync wakes (with ENOENT) and ends
        for (Thread t : threads) {
          t.join(TimeUnit.SECONDS.toMillis(30));
        }
        trace.close();
      }
    }
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException("a pipeline stage failed", f);
    }
    return new Outcome(hang, List.copyOf(reports), trace);
  }

  private void reported(PendingFence report) {
    reports.add(report);
    Thread d = driver;
    if (d != null) {
      LockSupport.unpark(d);
    }
  }

  /** Waits until every stage is blocked; throws if one failed. */
  private void settle() {
    quiescence.awaitQuiet(() -> failure != null);
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException("a pipeline stage failed", f);
    }
  }

  /**
   * Makes each tick last at least {@code tickNanos} of real time, so that the picture is readable
   * (the hang's wait for the watchdog does not make the ticks after it hurry).
   */
  private long pace(long lastTick) {
    long due = lastTick + tickNanos;
    for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    return System.nanoTime();
  }

  /**
   * The GPU's timeout handler. The script stands still (every stage is blocked) while the watchdog
   * finds what is stuck: the hung render fence, and what waits behind it. Once it has reported all
   * of them, the handler ends the hung job with {@code ETIME}, as a driver's reset does; the error
   * flows to the compositor through the buffer and to the display through the sync file, the frame
   * is dropped, and the jobs behind it run.
   */
  private Hang recover(Fence hung) throws InterruptedException {
    log.add(
        tick, Stage.GPU, "render job of frame " + script.hungFrame() + " still running: timeout");
    out.printf(
        "  t=%d ms: the GPU has not finished frame %d's render job for %d ms;"
            + " waiting for the watchdog (threshold %d ms)%n",
        tick, script.hungFrame(), script.hangTimeout(), watchdogThreshold.toMillis());
    Set<Fence> stuck = Collections.newSetFromMap(new IdentityHashMap<>());
    for (PendingFence p : FenceTracking.pending()) {
      stuck.add(p.fence());
    }
    long deadline =
        System.nanoTime() + watchdogThreshold.toNanos() * 2 + TimeUnit.SECONDS.toNanos(30);
    PendingFence culprit = null;
    while (true) {
      Set<Fence> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      for (PendingFence p : reports) {
        seen.add(p.fence());
        if (p.fence() == hung) {
          culprit = p;
        }
      }
      if (culprit != null && seen.containsAll(stuck)) {
        break;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the watchdog did not report " + hung.describe());
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
    }
    List<String> others = new ArrayList<>();
    for (Fence f : stuck) {
      if (f != hung) {
        others.add(label(f));
      }
    }
    Collections.sort(others);
    out.print("  [watchdog] " + culprit);
    out.println("  [watchdog] also pending (waiting behind it, or for the next tick): " + others);
    renderRing.failHead(FenceError.ETIME);
    log.add(tick, Stage.GPU, "render job of frame " + script.hungFrame() + " ended with ETIME");
    out.printf(
        "  t=%d ms: recovered: %s signaled with ETIME; frame %d will be dropped%n",
        tick, label(hung), script.hungFrame());
    List<String> all = new ArrayList<>(others);
    all.add(0, label(hung));
    log.add(tick, Stage.GPU, "watchdog reported " + all);
    return new Hang(hung, culprit, List.copyOf(all));
  }

  /** A run-independent name for a fence: timeline and seqno (an array: its members). */
  static String label(Fence f) {
    if (f instanceof FenceArray) {
      List<String> members = new ArrayList<>();
      for (Fence m : ((FenceArray) f).fences()) {
        members.add(label(m));
      }
      return "all" + members;
    }
    return f.timelineName() + " " + f.seqno();
  }
}
