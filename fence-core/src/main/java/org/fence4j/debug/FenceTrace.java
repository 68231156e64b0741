package org.fence4j.debug;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.fence4j.Fence;
import org.fence4j.FenceError;
import org.fence4j.internal.Diagnostics;
import org.jspecify.annotations.Nullable;

/**
 * Records a pipeline's fences and waits for a picture: a Chrome trace-event JSON file (opens in the
 * Perfetto UI and {@code chrome://tracing}) and a self-contained SVG timeline.
 *
 * <pre>{@code
 * try (FenceTrace trace = FenceTrace.start()) {
 *   runPipeline();
 *   trace.writeChromeTrace(Path.of("target/pipeline-trace.json"));
 *   trace.writeSvg(Path.of("target/pipeline-timeline.svg"));
 * }
 * }</pre>
 *
 * <p>From {@link #start()} until {@link #close()}, a trace records every fence constructed (any
 * subclass) with its creation time, and every <em>blocking</em> wait (a wait whose timeout is above
 * zero and whose fences were not all done at the call: every wait kind of every fence4j module)
 * with its thread, start and end. A fence's signal (time, error) is read from the fence itself when
 * a writer runs, so the signal path does no work for tracing; a container's membership (the fences
 * of a {@code FenceArray}, the fence and previous link of a {@code FenceChain}) is likewise read
 * when a writer runs.
 *
 * <p>Bounded memory: a trace keeps at most {@code maxEvents} entries, oldest dropped first. An
 * entry is one fence's creation (its signal is stored in the fence and takes no slot of its own) or
 * one wait's start (its end is added to the same entry). The trace holds its recorded fences
 * strongly, so up to {@code maxEvents} fences stay reachable until the trace is dropped.
 *
 * <p>Traces are independent: several may record at once, each receiving every event. The writers
 * may be called while the trace records (they write a snapshot; fences still pending end at the
 * time of writing, marked pending) and after {@link #close()}.
 *
 * <p>Cost: with no trace recording (and tracking off), the fence constructor reads one static flag
 * that it reads anyway, and signal, {@code isSignaled} and {@code addCallback} are untouched. While
 * recording, each fence constructed costs a clock read and a queue insertion per trace.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class FenceTrace implements AutoCloseable {
  /*
   * Implementation overview
   * -----------------------
   * A trace is a Diagnostics.TraceSink: while it is registered, Fence's constructor (through
   * Diagnostics.created) hands it each new fence with a clock reading, and every blocking wait
   * hands it its Diagnostics.Wait (thread, fences, start; the end is stored in the Wait by
   * afterWait). Entries go into a lock-free queue; a counter bounds it: an insertion that takes the
   * count above maxEvents removes the head (the oldest entry). Writers take a snapshot of the queue
   * and read each fence's signaled flag, timestamp and error without the peek hook, so writing never
   * signals a fence or runs a callback. Times are on the System.nanoTime() clock; the writers show
   * them relative to the earliest entry (or the start of the trace).
   */

  /** The default bound on entries. */
  public static final int DEFAULT_MAX_EVENTS = 1_000_000;

  private final int maxEvents;
  private final long startNanos;
  private final ConcurrentLinkedQueue<Object> entries = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final Sink sink = new Sink();
  private volatile boolean closed;
  private volatile long closedNanos;

  /** A fence's creation. */
  private static final class Created {
    final Fence fence;
    final long nanos;

    Created(Fence fence, long nanos) {
      this.fence = fence;
      this.nanos = nanos;
    }
  }

  private final class Sink implements Diagnostics.TraceSink {
    @Override
    public void created(Fence fence, long nanos) {
      add(new Created(fence, nanos));
    }

    @Override
    public void waitStarted(Diagnostics.Wait wait) {
      add(wait);
    }
  }

  private FenceTrace(int maxEvents) {
    this.maxEvents = maxEvents;
    this.startNanos = System.nanoTime();
  }

  /**
   * Starts a trace keeping at most {@value #DEFAULT_MAX_EVENTS} entries.
   *
   * @return the recording trace; close it to stop recording
   */
  public static FenceTrace start() {
    return start(DEFAULT_MAX_EVENTS);
  }

  /**
   * Starts a trace keeping at most {@code maxEvents} entries (oldest dropped first).
   *
   * @param maxEvents the bound, at least 1
   * @return the recording trace; close it to stop recording
   * @throws IllegalArgumentException if {@code maxEvents < 1}
   */
  public static FenceTrace start(int maxEvents) {
    if (maxEvents < 1) {
      throw new IllegalArgumentException("maxEvents must be at least 1: " + maxEvents);
    }
    FenceTrace trace = new FenceTrace(maxEvents);
    Diagnostics.addSink(trace.sink);
    return trace;
  }

  private void add(Object entry) {
    entries.add(entry);
    if (size.incrementAndGet() > maxEvents) {
      if (entries.poll() != null) {
        size.decrementAndGet();
      }
    }
  }

  /**
   * Returns the number of entries kept now (at most {@code maxEvents}).
   *
   * @return the entry count
   */
  public int size() {
    return Math.min(size.get(), maxEvents);
  }

  /**
   * Stops recording; what was recorded stays available to the writers. A second call does nothing.
   */
  @Override
  public void close() {
    if (!closed) {
      closedNanos = System.nanoTime();
      closed = true;
      Diagnostics.removeSink(sink);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshot model

  private static final class FenceSpan {
    final Fence fence;
    final long start;
    long end;
    boolean pending;
    int status = 1;
    String name;
    String timeline;
    @Nullable List<Fence> members;
    int track;

    FenceSpan(Fence fence, long start) {
      this.fence = fence;
      this.start = start;
      this.name = fence.context() + ":" + fence.seqno();
      this.timeline = "";
    }
  }

  private static final class WaitSpan {
    final Diagnostics.Wait wait;
    final long start;
    long end;
    boolean pending;
    int track;

    WaitSpan(Diagnostics.Wait wait) {
      this.wait = wait;
      this.start = wait.startNanos();
    }
  }

  private static final class Track {
    final int tid;
    final String name;

    Track(int tid, String name) {
      this.tid = tid;
      this.name = name;
    }
  }

  private final class Snapshot {
    final List<FenceSpan> fences = new ArrayList<>();
    final List<WaitSpan> waits = new ArrayList<>();
    final List<Track> tracks = new ArrayList<>();
    final IdentityHashMap<Fence, FenceSpan> byFence = new IdentityHashMap<>();
    long origin;
    long now;

    Snapshot() {
      now = closed ? closedNanos : System.nanoTime();
      Diagnostics.Access access = Diagnostics.access();
      for (Object e : entries) {
        if (e instanceof Created) {
          Created c = (Created) e;
          FenceSpan s = new FenceSpan(c.fence, c.nanos);
          s.timeline = Diagnostics.safeName(c.fence, true);
          if (access.isSignaledFlag(c.fence)) {
            s.end = Math.max(s.start, c.fence.timestampNanos());
            Optional<FenceError> error = c.fence.error();
            s.status = error.map(FenceError::code).orElse(1);
          } else {
            s.pending = true;
          }
          s.members = access.members(c.fence);
          fences.add(s);
          byFence.put(c.fence, s);
        } else {
          waits.add(new WaitSpan((Diagnostics.Wait) e));
        }
      }
      for (WaitSpan w : waits) {
        long end = w.wait.endNanos();
        if (end == 0L) {
          w.pending = true;
        } else {
          w.end = end;
        }
      }
      long last = now;
      for (FenceSpan s : fences) {
        if (!s.pending) {
          last = Math.max(last, s.end);
        }
      }
      for (WaitSpan w : waits) {
        if (!w.pending) {
          last = Math.max(last, w.end);
        }
      }
      now = last;
      for (FenceSpan s : fences) {
        if (s.pending) {
          s.end = Math.max(s.start, now);
        }
      }
      for (WaitSpan w : waits) {
        if (w.pending) {
          w.end = Math.max(w.start, now);
        }
      }
      origin = startNanos;
      for (FenceSpan s : fences) {
        origin = Math.min(origin, s.start);
      }
      for (WaitSpan w : waits) {
        origin = Math.min(origin, w.start);
      }
      assignTracks();
    }

    private void assignTracks() {
      // Plain fences: one track per context; contexts sharing a timeline name get " #<context>".
      Map<String, List<Long>> contextsByName = new LinkedHashMap<>();
      for (FenceSpan s : fences) {
        if (s.members == null) {
          List<Long> cs = contextsByName.computeIfAbsent(s.timeline, k -> new ArrayList<>());
          if (!cs.contains(s.fence.context())) {
            cs.add(s.fence.context());
          }
        }
      }
      Map<Long, Track> byContext = new HashMap<>();
      Map<String, Track> containerByName = new HashMap<>();
      IdentityHashMap<Thread, Track> byThread = new IdentityHashMap<>();
      for (FenceSpan s : fences) {
        Track t;
        if (s.members == null) {
          long ctx = s.fence.context();
          t = byContext.get(ctx);
          if (t == null) {
            String name = s.timeline;
            if (contextsByName.getOrDefault(name, List.of()).size() > 1) {
              name = name + " #" + ctx;
            }
            t = new Track(tracks.size() + 1, name);
            tracks.add(t);
            byContext.put(ctx, t);
          }
        } else {
          t = containerByName.get(s.timeline);
          if (t == null) {
            t = new Track(tracks.size() + 1, s.timeline);
            tracks.add(t);
            containerByName.put(s.timeline, t);
          }
        }
        s.track = t.tid;
      }
      for (WaitSpan w : waits) {
        Thread th = w.wait.thread();
        Track t = byThread.get(th);
        if (t == null) {
          t = new Track(tracks.size() + 1, th.getName());
          tracks.add(t);
          byThread.put(th, t);
        }
        w.track = t.tid;
      }
    }

    String waitName(WaitSpan w) {
      List<Fence> fs = w.wait.fences();
      StringBuilder sb = new StringBuilder("wait ");
      int shown = Math.min(3, fs.size());
      for (int i = 0; i < shown; i++) {
        if (i > 0) {
          sb.append(", ");
        }
        sb.append(fs.get(i).context()).append(':').append(fs.get(i).seqno());
      }
      if (fs.size() > shown) {
        sb.append(" and ").append(fs.size() - shown).append(" more");
      }
      return sb.toString();
    }

    double micros(long nanos) {
      return (nanos - origin) / 1000.0;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Chrome trace-event JSON

  /**
   * Writes what was recorded so far in the Chrome trace-event JSON format ({@code {"traceEvents":
   * [...]}}, times in microseconds), which the Perfetto UI and {@code chrome://tracing} open.
   *
   * <p>One track (a pid/tid pair named by a {@code thread_name} metadata event) per fence context,
   * named after its timeline ({@code " #<context>"} added when two contexts share a timeline name);
   * arrays and chains share one track per timeline name. Each fence is a complete event ({@code
   * "ph":"X"}) named {@code <context>:<seqno>} from its creation to its signal, with {@code
   * args.status} 1, or the negative error code; a fence still pending ends at the time of writing
   * with {@code args.pending: true}. Blocking waits are complete events on a track named after the
   * waiting thread. Flow events ({@code "s"} on the member's track, {@code "f"} on the container's)
   * link the members of an array or chain to it.
   *
   * <p>Never signals a fence or runs a callback. May be called while recording and after {@link
   * #close()}.
   *
   * @param file the file to write (created or replaced)
   * @throws IOException if writing fails
   * @throws NullPointerException if {@code file} is null
   */
  public void writeChromeTrace(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    Snapshot snap = new Snapshot();
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write("{\"traceEvents\": [\n");
      boolean[] first = {true};
      event(
          out,
          first,
          "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":"
              + str("fence4j")
              + "}}");
      for (Track t : snap.tracks) {
        event(
            out,
            first,
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":"
                + t.tid
                + ",\"args\":{\"name\":"
                + str(t.name)
                + "}}");
        event(
            out,
            first,
            "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":"
                + t.tid
                + ",\"args\":{\"sort_index\":"
                + t.tid
                + "}}");
      }
      for (FenceSpan s : snap.fences) {
        String args =
            s.pending
                ? "{\"pending\":true,\"timeline\":" + str(s.timeline) + "}"
                : "{\"status\":" + s.status + ",\"timeline\":" + str(s.timeline) + "}";
        event(
            out,
            first,
            "{\"name\":"
                + str(s.name)
                + ",\"cat\":\"fence\",\"ph\":\"X\",\"ts\":"
                + num(snap.micros(s.start))
                + ",\"dur\":"
                + num((s.end - s.start) / 1000.0)
                + ",\"pid\":1,\"tid\":"
                + s.track
                + ",\"args\":"
                + args
                + "}");
      }
      for (WaitSpan w : snap.waits) {
        String args = w.pending ? "{\"pending\":true}" : "{\"timedOut\":" + w.wait.timedOut() + "}";
        event(
            out,
            first,
            "{\"name\":"
                + str(snap.waitName(w))
                + ",\"cat\":\"wait\",\"ph\":\"X\",\"ts\":"
                + num(snap.micros(w.start))
                + ",\"dur\":"
                + num((w.end - w.start) / 1000.0)
                + ",\"pid\":1,\"tid\":"
                + w.track
                + ",\"args\":"
                + args
                + "}");
      }
      long flowId = 0;
      for (FenceSpan c : snap.fences) {
        if (c.members == null) {
          continue;
        }
        for (Fence m : c.members) {
          FenceSpan ms = snap.byFence.get(m);
          if (ms == null) {
            continue;
          }
          flowId++;
          // Each flow event carries the cat, track and ts of the slice it belongs to: viewers bind
          // a flow event to the slice enclosing it (Perfetto, bp "e") or to the slice with the same
          // cat, track and ts (Chrome DevTools); a slice's start satisfies both.
          event(out, first, flow("s", ms, flowId, snap.micros(ms.start), ""));
          event(out, first, flow("f", c, flowId, snap.micros(c.start), ",\"bp\":\"e\""));
        }
      }
      out.write("\n],\n\"displayTimeUnit\": \"ms\"}\n");
    }
  }

  private static String flow(String ph, FenceSpan s, long id, double ts, String extra) {
    return "{\"name\":\"member\",\"cat\":\"fence\",\"ph\":\""
        + ph
        + "\",\"id\":"
        + id
        + ",\"ts\":"
        + num(ts)
        + ",\"pid\":1,\"tid\":"
        + s.track
        + extra
        + "}";
  }

  private static void event(Writer out, boolean[] first, String json) throws IOException {
    if (!first[0]) {
      out.write(",\n");
    }
    first[0] = false;
    out.write(json);
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** A JSON string literal. */
  private static String str(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  // ---------------------------------------------------------------------------------------------
  // SVG

  private static final int LABEL_WIDTH = 220;
  private static final int PLOT_WIDTH = 960;
  private static final int ROW_HEIGHT = 22;
  private static final int LANE_HEIGHT = 14;
  private static final int TOP = 40;
  private static final String COLOR_SIGNALED = "#4e79a7";
  private static final String COLOR_ERROR = "#d62728";
  private static final String COLOR_PENDING = "#bab0ac";
  private static final String COLOR_WAIT = "#f28e2b";

  /**
   * Writes what was recorded so far as a self-contained SVG picture: one row per timeline and per
   * waiting thread, time across with a labelled axis (milliseconds from the first entry), fences as
   * bars (signaled in blue, errors in red, pending ones grey and open-ended: dashed, running to the
   * right edge), waits as orange bars on the thread rows, and a legend. Bars that overlap in time
   * on one row (several fences of a timeline pending at once) are stacked in lanes within the row,
   * so none hides another. Each bar has a tooltip ({@code <title>}) naming it.
   *
   * <p>Never signals a fence or runs a callback. May be called while recording and after {@link
   * #close()}.
   *
   * @param file the file to write (created or replaced)
   * @throws IOException if writing fails
   * @throws NullPointerException if {@code file} is null
   */
  public void writeSvg(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    Snapshot snap = new Snapshot();
    long span = Math.max(1L, snap.now - snap.origin);
    int rows = snap.tracks.size();
    List<Bar> bars = bars(snap);
    int[] lanes = assignLanes(bars, rows);
    int[] rowY = new int[rows + 2];
    rowY[1] = TOP;
    for (int tid = 1; tid <= rows; tid++) {
      rowY[tid + 1] = rowY[tid] + rowHeight(lanes[tid]);
    }
    int plotBottom = rowY[rows + 1];
    int legendY = plotBottom + 30;
    int width = LABEL_WIDTH + PLOT_WIDTH + 20;
    int height = legendY + 30;
    StringBuilder sb = new StringBuilder();
    sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
    sb.append("<title>fence4j trace</title>\n");
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    // Time axis.
    sb.append("<g class=\"axis\">\n");
    sb.append(line(LABEL_WIDTH, TOP - 8, LABEL_WIDTH + PLOT_WIDTH, TOP - 8, "#333"));
    long step = tickStep(span);
    for (long t = 0; t <= span; t += step) {
      double x = LABEL_WIDTH + (double) PLOT_WIDTH * t / span;
      sb.append(line(x, TOP - 12, x, plotBottom, "#ddd"));
      sb.append("<text x=\"")
          .append(fmt(x))
          .append("\" y=\"")
          .append(TOP - 16)
          .append("\" text-anchor=\"middle\">")
          .append(esc(tickLabel(t, step)))
          .append("</text>\n");
    }
    sb.append("</g>\n");
    // Rows.
    for (Track t : snap.tracks) {
      int y = rowY[t.tid];
      sb.append("<g class=\"row\" data-track=\"").append(esc(t.name)).append("\">\n");
      if ((t.tid & 1) == 0) {
        sb.append("<rect x=\"0\" y=\"")
            .append(y)
            .append("\" width=\"")
            .append(width)
            .append("\" height=\"")
            .append(rowHeight(lanes[t.tid]))
            .append("\" fill=\"#f5f5f5\"/>\n");
      }
      sb.append("<text x=\"6\" y=\"")
          .append(y + ROW_HEIGHT - 7)
          .append("\">")
          .append(esc(t.name))
          .append("</text>\n");
      sb.append("</g>\n");
    }
    // Bars.
    for (Bar b : bars) {
      bar(sb, snap, span, rowY[b.track] + 4 + b.lane * LANE_HEIGHT, b);
    }
    // Legend.
    sb.append("<g class=\"legend\">\n");
    String[][] items = {
      {COLOR_SIGNALED, "fence (creation to signal)"},
      {COLOR_ERROR, "fence signaled with an error"},
      {COLOR_PENDING, "fence still pending"},
      {COLOR_WAIT, "blocking wait"}
    };
    int lx = LABEL_WIDTH;
    for (String[] item : items) {
      sb.append("<rect x=\"")
          .append(lx)
          .append("\" y=\"")
          .append(legendY - 10)
          .append("\" width=\"14\" height=\"10\" fill=\"")
          .append(item[0])
          .append("\"/>\n");
      sb.append("<text x=\"")
          .append(lx + 20)
          .append("\" y=\"")
          .append(legendY)
          .append("\">")
          .append(esc(item[1]))
          .append("</text>\n");
      lx += 230;
    }
    sb.append("</g>\n</svg>\n");
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  /** One bar of the picture: a fence or a wait, on a track, in a lane of that track's row. */
  private static final class Bar {
    final int track;
    final long start;
    final long end;
    final String cls;
    final String color;
    final boolean open;
    final String title;
    int lane;

    Bar(int track, long start, long end, String cls, String color, boolean open, String title) {
      this.track = track;
      this.start = start;
      this.end = end;
      this.cls = cls;
      this.color = color;
      this.open = open;
      this.title = title;
    }
  }

  private static List<Bar> bars(Snapshot snap) {
    List<Bar> bars = new ArrayList<>();
    for (FenceSpan s : snap.fences) {
      String cls = s.pending ? "pending" : s.status < 0 ? "error" : "signaled";
      String color = s.pending ? COLOR_PENDING : s.status < 0 ? COLOR_ERROR : COLOR_SIGNALED;
      String title =
          s.name
              + " "
              + s.timeline
              + (s.pending ? " pending" : s.status < 0 ? " error " + s.status : " signaled");
      bars.add(new Bar(s.track, s.start, s.end, cls, color, s.pending, title));
    }
    for (WaitSpan w : snap.waits) {
      String title = snap.waitName(w) + (w.pending ? " (still waiting)" : "");
      bars.add(new Bar(w.track, w.start, w.end, "wait", COLOR_WAIT, w.pending, title));
    }
    return bars;
  }

  /**
   * Puts each bar in the first lane of its row that is free at its start (greedy, by start time),
   * and returns the number of lanes of each track (index = tid, at least 1).
   */
  private static int[] assignLanes(List<Bar> bars, int rows) {
    List<Bar> byStart = new ArrayList<>(bars);
    byStart.sort((a, b) -> Long.compare(a.start, b.start));
    List<List<Long>> laneEnds = new ArrayList<>();
    for (int i = 0; i <= rows; i++) {
      laneEnds.add(new ArrayList<>());
    }
    for (Bar b : byStart) {
      List<Long> ends = laneEnds.get(b.track);
      long end = b.open ? Long.MAX_VALUE : b.end;
      int lane = 0;
      while (lane < ends.size() && ends.get(lane) > b.start) {
        lane++;
      }
      if (lane == ends.size()) {
        ends.add(end);
      } else {
        ends.set(lane, end);
      }
      b.lane = lane;
    }
    int[] lanes = new int[rows + 2];
    for (int tid = 1; tid <= rows; tid++) {
      lanes[tid] = Math.max(1, laneEnds.get(tid).size());
    }
    return lanes;
  }

  /** A row's height: one lane fits the standard row. */
  private static int rowHeight(int lanes) {
    return ROW_HEIGHT - LANE_HEIGHT + lanes * LANE_HEIGHT;
  }

  private static void bar(StringBuilder sb, Snapshot snap, long span, int y, Bar b) {
    double x0 = LABEL_WIDTH + (double) PLOT_WIDTH * (b.start - snap.origin) / span;
    double x1 =
        b.open
            ? LABEL_WIDTH + PLOT_WIDTH
            : LABEL_WIDTH + (double) PLOT_WIDTH * (b.end - snap.origin) / span;
    double w = Math.max(1.0, x1 - x0);
    if (w >= 3.0) {
      w -= 0.5; // a hairline between bars that follow each other in one lane
    }
    sb.append("<rect class=\"")
        .append(b.cls)
        .append("\" x=\"")
        .append(fmt(x0))
        .append("\" y=\"")
        .append(y)
        .append("\" width=\"")
        .append(fmt(w))
        .append("\" height=\"")
        .append(LANE_HEIGHT - 2)
        .append("\" fill=\"")
        .append(b.color)
        .append('"');
    if (b.open) {
      sb.append(" fill-opacity=\"0.5\" stroke=\"#555\" stroke-dasharray=\"4 2\"");
    }
    sb.append("><title>").append(esc(b.title)).append("</title></rect>\n");
  }

  private static String line(double x1, double y1, double x2, double y2, String color) {
    return "<line x1=\""
        + fmt(x1)
        + "\" y1=\""
        + fmt(y1)
        + "\" x2=\""
        + fmt(x2)
        + "\" y2=\""
        + fmt(y2)
        + "\" stroke=\""
        + color
        + "\"/>\n";
  }

  /**
   * A round step for the time axis: 1, 2 or 5 times a power of ten nanoseconds, chosen so that the
   * axis gets at most six labelled ticks, 0 included (three or more unless the span is tiny).
   */
  static long tickStep(long span) {
    long step = 1;
    while (true) {
      for (long m : new long[] {1, 2, 5}) {
        if (span / (step * m) <= 5) {
          return step * m;
        }
      }
      step *= 10;
    }
  }

  /** A tick's label in the largest unit (s, ms, µs, ns) in which the step is a whole number. */
  static String tickLabel(long t, long step) {
    String[] units = {"s", "ms", "µs", "ns"};
    long[] scales = {1_000_000_000L, 1_000_000L, 1_000L, 1L};
    for (int i = 0; i < units.length; i++) {
      if (step % scales[i] == 0) {
        return (t / scales[i]) + " " + units[i];
      }
    }
    throw new AssertionError(); // the last scale divides every step
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<':
          sb.append("&lt;");
          break;
        case '>':
          sb.append("&gt;");
          break;
        case '&':
          sb.append("&amp;");
          break;
        case '"':
          sb.append("&quot;");
          break;
        default:
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            sb.append('?');
          } else {
            sb.append(c);
          }
      }
    }
    return sb.toString();
  }
}
