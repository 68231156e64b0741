package org.fence4j.examples.pipeline;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.fence4j.debug.PendingFence;
import org.jspecify.annotations.Nullable;

/**
 * The README's demo: a render → compose → display pipeline over 120 frames and three shared
 * buffers, with one GPU hang, recorded as a trace and drawn as a picture.
 *
 * <ul>
 *   <li>render → compose: implicit sync. The renderer's WRITE fence and the compositor's READ fence
 *       go on the buffer's {@code ReservationObject}; the compositor waits for the buffer's writers
 *       without ever seeing the render fence.
 *   <li>compose → display: explicit sync. Each composed frame reaches the display with a {@code
 *       SyncFile}; at each vsync (a {@code SoftwareTimeline}) the display shows the newest frame
 *       whose sync file has signaled.
 *   <li>The display's READ fence goes on the buffer when the frame is committed, so the renderer,
 *       which waits for every fence on a buffer before drawing into it again, is held back while
 *       the frame is queued or on screen.
 *   <li>Frame 75's render job hangs. A {@code FenceWatchdog} names its fence; the GPU's timeout
 *       handler then ends it with {@code ETIME}; the frame is dropped and the pipeline goes on.
 * </ul>
 *
 * <p>Everything runs on a scripted clock (see {@link Pipeline}), so every run shows the same
 * frames, drops the same ones and makes the same waits.
 */
public final class PipelineDemo {
  private PipelineDemo() {}

  /** Real time per scripted tick in the demo: only spreads the picture out. */
  static final long DEMO_TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

  /** The demo's watchdog threshold. */
  static final Duration DEMO_THRESHOLD = Duration.ofMillis(200);

  /** Latency percentiles of one stage, in ticks (milliseconds of the scripted clock). */
  record Latency(String stage, long p50, long p99, int samples) {}

  /**
   * What a run did.
   *
   * @param shown frames shown
   * @param droppedLate frames dropped because a newer one made the same vsync
   * @param droppedFailed frames dropped because their work failed
   * @param renderWaits times the renderer blocked for a buffer
   * @param heldBackByScreen of those, times the buffer's frame was on screen
   * @param composeWaits times the compositor blocked for a render (implicit sync)
   * @param vsyncWaits times the display blocked for vsync
   * @param latencies per stage
   * @param hang the hang handled: the fence, the watchdog's report, what was pending with it
   * @param reports every watchdog report
   * @param events the stages' log, in a run-independent order
   * @param traceFile the Chrome trace written
   * @param svgFile the SVG picture written
   */
  record Result(
      int shown,
      int droppedLate,
      int droppedFailed,
      int renderWaits,
      int heldBackByScreen,
      int composeWaits,
      int vsyncWaits,
      List<Latency> latencies,
      Pipeline.@Nullable Hang hang,
      List<PendingFence> reports,
      List<String> events,
      Path traceFile,
      Path svgFile) {}

  /**
   * Runs the demo, writing {@code pipeline-trace.json} and {@code pipeline-timeline.svg} into
   * {@code fence-examples/target} (or {@code target} when started in {@code fence-examples}).
   *
   * @param args unused
   * @throws Exception if the pipeline fails
   */
  public static void main(String[] args) throws Exception {
    Path dir =
        Files.isDirectory(Path.of("fence-examples"))
            ? Path.of("fence-examples", "target")
            : Path.of("target");
    // A short run first, printing nothing, so that class loading and the JIT's first compiles
    // do not stretch the first frames of the picture.
    new Pipeline(
            Script.warmUp(), 0, DEMO_THRESHOLD, new PrintStream(OutputStream.nullOutputStream()))
        .run();
    Result r = run(Script.standard(), DEMO_TICK_NANOS, DEMO_THRESHOLD, dir, System.out);
    print(r, System.out);
  }

  /**
   * Runs the pipeline under a trace and writes the trace and the picture into {@code dir}.
   *
   * @param script what happens
   * @param tickNanos real time per tick (0 for a test: as fast as possible)
   * @param threshold the watchdog's threshold
   * @param dir where the files go (created if missing)
   * @param out where the progress lines go
   */
  static Result run(Script script, long tickNanos, Duration threshold, Path dir, PrintStream out)
      throws InterruptedException, IOException {
    out.printf(
        "render -> compose -> display: %d frames, %d shared buffers, vsync every %d ms"
            + " (a scripted clock: every run is the same)%n",
        script.frames(), Pipeline.BUFFERS, script.vsyncPeriod());
    Pipeline pipeline = new Pipeline(script, tickNanos, threshold, out);
    Pipeline.Outcome outcome;
    Path trace = dir.resolve("pipeline-trace.json");
    Path svg = dir.resolve("pipeline-timeline.svg");
    outcome = pipeline.run();
    Files.createDirectories(dir);
    outcome.trace().writeChromeTrace(trace);
    outcome.trace().writeSvg(svg);
    int late = 0;
    int failed = 0;
    int shown = 0;
    for (int k = 1; k <= script.frames(); k++) {
      String fate = pipeline.frames[k].fate;
      if (fate.equals("shown")) {
        shown++;
      } else if (fate.startsWith("dropped: failed")) {
        failed++;
      } else if (fate.startsWith("dropped")) {
        late++;
      }
    }
    List<Latency> latencies =
        List.of(
            latency(pipeline, "render", f -> f.submitted, f -> f.rendered),
            latency(pipeline, "compose", f -> f.rendered, f -> f.composed),
            latency(pipeline, "display", f -> f.composed, f -> f.shown),
            latency(pipeline, "end to end", f -> f.submitted, f -> f.shown));
    return new Result(
        shown,
        late,
        failed,
        pipeline.renderWaits.get(),
        pipeline.heldBackByScreen.get(),
        pipeline.composeWaits.get(),
        pipeline.vsyncWaits.get(),
        latencies,
        outcome.hang(),
        outcome.reports(),
        pipeline.log.entries(),
        trace,
        svg);
  }

  /** p50 and p99 (nearest rank) of {@code to - from} over the frames that reached both. */
  private static Latency latency(
      Pipeline p, String stage, ToLongFunction<Frame> from, ToLongFunction<Frame> to) {
    List<Long> samples = new ArrayList<>();
    for (int k = 1; k < p.frames.length; k++) {
      long a = from.applyAsLong(p.frames[k]);
      long b = to.applyAsLong(p.frames[k]);
      if (a >= 0 && b >= 0) {
        samples.add(b - a);
      }
    }
    long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Latency(stage, rank(sorted, 0.50), rank(sorted, 0.99), sorted.length);
  }

  private static long rank(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(i, sorted.length - 1))];
  }

  /** Prints the summary a newcomer reads after the progress lines. */
  static void print(Result r, PrintStream out) {
    out.println();
    out.printf(
        "frames: %d shown, %d dropped (%d late: a newer frame made the same vsync;"
            + " %d failed: the GPU hang)%n",
        r.shown(), r.droppedLate() + r.droppedFailed(), r.droppedLate(), r.droppedFailed());
    out.println("latency in ms of the scripted clock   p50   p99");
    for (Latency l : r.latencies()) {
      out.printf(Locale.ROOT, "  %-34s %5d %5d%n", describe(l.stage()), l.p50(), l.p99());
    }
    out.printf(
        "  * includes the time queued behind earlier jobs on the GPU%n"
            + "waits: the renderer waited for a free buffer %d times (%d times for a buffer still on"
            + " screen),%n       the compositor for a render %d times, the display for vsync %d"
            + " times%n",
        r.renderWaits(), r.heldBackByScreen(), r.composeWaits(), r.vsyncWaits());
    Pipeline.Hang hang = r.hang();
    if (hang != null) {
      out.printf(
          "watchdog: named the hung fence %s (and %d fences pending with it); it was signaled"
              + " with ETIME and the pipeline went on%n",
          Pipeline.label(hang.fence()), hang.stuck().size() - 1);
    }
    out.println();
    out.println("trace:   " + r.traceFile());
    out.println(
        "         open it at https://ui.perfetto.dev (\"Open trace file\"); chrome://tracing"
            + " also works");
    out.println("picture: " + r.svgFile() + " (open it in a browser)");
  }

  private static String describe(String stage) {
    switch (stage) {
      case "render":
        return "render (submitted -> GPU done)*";
      case "compose":
        return "compose (rendered -> composed)";
      case "display":
        return "display (composed -> on screen)";
      default:
        return "end to end (submitted -> on screen)";
    }
  }
}
