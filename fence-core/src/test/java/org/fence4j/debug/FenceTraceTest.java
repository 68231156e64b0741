package org.fence4j.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.fence4j.debug.TraceFiles.events;
import static org.fence4j.debug.TraceFiles.readChromeTrace;
import static org.fence4j.debug.TraceFiles.readSvg;
import static org.fence4j.debug.TraceFiles.trackNames;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.fence4j.Fence;
import org.fence4j.FenceArray;
import org.fence4j.FenceChain;
import org.fence4j.FenceContext;
import org.fence4j.FenceError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/** {@link FenceTrace}: the Chrome trace-event JSON, the SVG, bounds and independence. */
class FenceTraceTest {
  @TempDir Path dir;

  private final FenceContext render = FenceContext.create("gpu", "trace-render");
  private final FenceContext compose = FenceContext.create("gpu", "trace-compose");

  private JsonNode chrome(FenceTrace trace) throws Exception {
    Path file = dir.resolve("trace-" + System.nanoTime() + ".json");
    trace.writeChromeTrace(file);
    return readChromeTrace(file);
  }

  private static JsonNode named(JsonNode root, String name) {
    for (JsonNode e : events(root, "X")) {
      if (e.get("name").asText().equals(name)) {
        return e;
      }
    }
    throw new AssertionError("no event " + name);
  }

  private static String id(Fence f) {
    return f.context() + ":" + f.seqno();
  }

  /** A signaled fence is a complete event named context:seqno with numeric ts/dur and status 1. */
  @Test
  void writeChromeTrace_signaledFence_isCompleteEventWithStatus() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence f = render.next();
      f.signal();
      JsonNode root = chrome(trace);
      assertThat(root.get("traceEvents").isArray()).isTrue();
      JsonNode e = named(root, id(f));
      assertThat(e.get("ts").isNumber()).isTrue();
      assertThat(e.get("dur").isNumber()).isTrue();
      assertThat(e.get("dur").asDouble()).isGreaterThanOrEqualTo(0.0);
      assertThat(e.get("args").get("status").asInt()).isEqualTo(1);
      assertThat(trackNames(root).get(e.get("tid").asInt())).isEqualTo("trace-render");
    }
  }

  /** A fence signaled with an error carries the negative error code. */
  @Test
  void writeChromeTrace_errorFence_hasNegativeStatus() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence f = render.next();
      f.signal(FenceError.ETIME);
      JsonNode e = named(chrome(trace), id(f));
      assertThat(e.get("args").get("status").asInt()).isEqualTo(FenceError.ETIME.code());
    }
  }

  /** A fence still pending ends at the time of writing and is flagged pending. */
  @Test
  void writeChromeTrace_pendingFence_isFlaggedPending() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence f = render.next();
      JsonNode e = named(chrome(trace), id(f));
      assertThat(e.get("args").get("pending").asBoolean()).isTrue();
      assertThat(e.get("args").has("status")).isFalse();
      f.signal();
    }
  }

  /** Each context gets its own track, named by thread_name metadata after its timeline. */
  @Test
  void writeChromeTrace_twoContexts_twoNamedTracks() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence a = render.next();
      Fence b = compose.next();
      a.signal();
      b.signal();
      JsonNode root = chrome(trace);
      int ta = named(root, id(a)).get("tid").asInt();
      int tb = named(root, id(b)).get("tid").asInt();
      assertThat(ta).isNotEqualTo(tb);
      assertThat(trackNames(root))
          .containsEntry(ta, "trace-render")
          .containsEntry(tb, "trace-compose");
    }
  }

  /** Two contexts sharing a timeline name get " #context" appended. */
  @Test
  void writeChromeTrace_sharedTimelineName_appendsContext() throws Exception {
    FenceContext other = FenceContext.create("gpu", "trace-render");
    try (FenceTrace trace = FenceTrace.start()) {
      Fence a = render.next();
      Fence b = other.next();
      a.signal();
      b.signal();
      JsonNode root = chrome(trace);
      Map<Integer, String> names = trackNames(root);
      assertThat(names.get(named(root, id(a)).get("tid").asInt()))
          .isEqualTo("trace-render #" + a.context());
      assertThat(names.get(named(root, id(b)).get("tid").asInt()))
          .isEqualTo("trace-render #" + b.context());
    }
  }

  /** A blocking wait is a complete event on a track named after the waiting thread. */
  @Test
  void writeChromeTrace_blockingWait_onThreadTrack() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence f = render.next();
      Thread waiter =
          new Thread(
              () -> {
                try {
                  f.await(Duration.ofMillis(1)); // times out: a blocking wait
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "trace-waiter");
      waiter.start();
      waiter.join();
      f.signal();
      JsonNode root = chrome(trace);
      JsonNode wait = named(root, "wait " + id(f));
      assertThat(wait.get("cat").asText()).isEqualTo("wait");
      assertThat(wait.get("dur").isNumber()).isTrue();
      assertThat(wait.get("args").get("timedOut").asBoolean()).isTrue();
      assertThat(trackNames(root).get(wait.get("tid").asInt())).isEqualTo("trace-waiter");
    }
  }

  /**
   * Members flow into their array: an s on the member's track, an f with the same id on the
   * array's.
   */
  @Test
  void writeChromeTrace_array_flowsFromMembers() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence a = render.next();
      Fence b = compose.next();
      FenceArray array = FenceArray.all(List.of(a, b));
      a.signal();
      b.signal();
      JsonNode root = chrome(trace);
      int arrayTid = named(root, id(array)).get("tid").asInt();
      Map<Long, JsonNode> starts = new HashMap<>();
      for (JsonNode s : events(root, "s")) {
        starts.put(s.get("id").asLong(), s);
      }
      List<Integer> memberTids = new ArrayList<>();
      int finishes = 0;
      for (JsonNode f : events(root, "f")) {
        assertThat(f.get("tid").asInt()).isEqualTo(arrayTid);
        JsonNode s = starts.get(f.get("id").asLong());
        assertThat(s).isNotNull();
        assertThat(f.get("ts").asDouble()).isGreaterThanOrEqualTo(s.get("ts").asDouble());
        assertThat(f.get("ts").asDouble()).isEqualTo(named(root, id(array)).get("ts").asDouble());
        memberTids.add(s.get("tid").asInt());
        finishes++;
      }
      assertThat(finishes).isEqualTo(2);
      assertThat(memberTids)
          .containsExactlyInAnyOrder(
              named(root, id(a)).get("tid").asInt(), named(root, id(b)).get("tid").asInt());
    }
  }

  /** Chain links share one track per timeline name, and their fences flow into them. */
  @Test
  void writeChromeTrace_chain_sharesTrackAndFlows() throws Exception {
    try (FenceTrace trace = FenceTrace.start()) {
      Fence a = render.next();
      Fence b = render.next();
      FenceChain l1 = FenceChain.create(null, a, 1);
      FenceChain l2 = FenceChain.create(l1, b, 2);
      JsonNode root = chrome(trace);
      assertThat(named(root, id(l1)).get("tid").asInt())
          .isEqualTo(named(root, id(l2)).get("tid").asInt());
      assertThat(events(root, "f")).hasSizeGreaterThanOrEqualTo(2);
      assertThat(events(root, "s")).hasSameSizeAs(events(root, "f"));
      a.signal();
      b.signal();
    }
  }

  /** The SVG is well-formed XML with rows, a time axis, a legend and a red error bar. */
  @Test
  void writeSvg_errorAndPending_wellFormedWithRowsLegendAndRedBar() throws Exception {
    Path file = dir.resolve("timeline.svg");
    Fence pending;
    try (FenceTrace trace = FenceTrace.start()) {
      Fence ok = render.next();
      Fence bad = compose.next();
      pending = render.next();
      ok.signal();
      bad.signal(FenceError.EIO);
      trace.writeSvg(file);
    }
    TraceFiles.Svg svg = readSvg(file);
    assertThat(svg.rootTag()).isEqualTo("svg");
    assertThat(svg.groupClasses()).contains("axis", "legend");
    assertThat(svg.rows()).contains("trace-render", "trace-compose");
    assertThat(svg.hasRect("error", "#d62728")).isTrue();
    assertThat(svg.hasRect("pending")).isTrue();
    pending.signal();
  }

  /**
   * The time axis is labelled in round steps (1, 2 or 5 times a power of ten), at most six ticks.
   */
  @Test
  void tickStep_anySpan_isRoundAndGivesAtMostSixTicks() {
    for (long span : new long[] {1, 7, 999, 1_520_872_000L, 3_000_000_000L, Long.MAX_VALUE / 2}) {
      long step = FenceTrace.tickStep(span);
      long mantissa = step;
      while (mantissa % 10 == 0) {
        mantissa /= 10;
      }
      assertThat(mantissa).as("step %d for span %d", step, span).isIn(1L, 2L, 5L);
      assertThat(span / step + 1).as("ticks for span %d", span).isBetween(2L, 6L);
    }
  }

  /** A tick is labelled in the largest unit in which the step is whole: 500 ms, not 0.5 s. */
  @Test
  void tickLabel_millisecondStep_labelsInMilliseconds() {
    assertThat(FenceTrace.tickLabel(1_000_000_000L, 500_000_000L)).isEqualTo("1000 ms");
    assertThat(FenceTrace.tickLabel(4_000_000_000L, 2_000_000_000L)).isEqualTo("4 s");
    assertThat(FenceTrace.tickLabel(20_000L, 20_000L)).isEqualTo("20 µs");
    assertThat(FenceTrace.tickLabel(5L, 5L)).isEqualTo("5 ns");
  }

  /**
   * Fences of one timeline pending at the same time are stacked in lanes of their row (no bar hides
   * another); fences that follow each other share a lane.
   */
  @Test
  void writeSvg_overlappingFences_stackInLanes() throws Exception {
    Path file = dir.resolve("lanes.svg");
    try (FenceTrace trace = FenceTrace.start()) {
      Fence first = render.next();
      Fence second = render.next(); // pending together with the first
      first.signal();
      second.signal();
      Fence third = render.next(); // after both: back in the first lane
      third.signal();
      trace.writeSvg(file);
    }
    List<Integer> ys = new ArrayList<>();
    for (Element r : readSvg(file).rects()) {
      if (r.getAttribute("class").equals("signaled")) {
        ys.add(Integer.parseInt(r.getAttribute("y")));
      }
    }
    assertThat(ys).hasSize(3);
    assertThat(ys.get(1)).isGreaterThan(ys.get(0));
    assertThat(ys.get(2)).isEqualTo(ys.get(0));
  }

  /** A waiting thread gets its own SVG row. */
  @Test
  void writeSvg_blockingWait_hasThreadRow() throws Exception {
    Path file = dir.resolve("waits.svg");
    try (FenceTrace trace = FenceTrace.start()) {
      Fence f = render.next();
      f.await(Duration.ofMillis(1));
      f.signal();
      trace.writeSvg(file);
    }
    String text = Files.readString(file);
    assertThat(readSvg(file).rects()).isNotEmpty();
    assertThat(text).contains("data-track=\"" + Thread.currentThread().getName() + "\"");
    assertThat(text).contains("class=\"wait\"");
  }

  /** The trace keeps at most maxEvents entries, dropping the oldest. */
  @Test
  void start_maxEvents_dropsOldest() throws Exception {
    try (FenceTrace trace = FenceTrace.start(3)) {
      List<Fence> fences = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Fence f = render.next();
        f.signal();
        fences.add(f);
      }
      assertThat(trace.size()).isEqualTo(3);
      List<String> names = new ArrayList<>();
      for (JsonNode e : events(chrome(trace), "X")) {
        names.add(e.get("name").asText());
      }
      assertThat(names).containsExactly(id(fences.get(7)), id(fences.get(8)), id(fences.get(9)));
    }
  }

  /** Two traces recording at once both see the fences created meanwhile. */
  @Test
  void start_twoTraces_bothRecord() throws Exception {
    try (FenceTrace first = FenceTrace.start()) {
      Fence a = render.next();
      try (FenceTrace second = FenceTrace.start()) {
        Fence b = render.next();
        a.signal();
        b.signal();
        JsonNode one = chrome(first);
        JsonNode two = chrome(second);
        named(one, id(a));
        named(one, id(b));
        named(two, id(b));
        assertThat(events(two, "X")).noneMatch(e -> e.get("name").asText().equals(id(a)));
      }
    }
  }

  /** After close() the writers still work and nothing more is recorded. */
  @Test
  void writers_afterClose_writeWhatWasRecorded() throws Exception {
    FenceTrace trace = FenceTrace.start();
    Fence a = render.next();
    a.signal();
    trace.close();
    trace.close(); // a second close does nothing
    Fence later = render.next();
    later.signal();
    JsonNode root = chrome(trace);
    named(root, id(a));
    assertThat(events(root, "X")).noneMatch(e -> e.get("name").asText().equals(id(later)));
    Path svg = dir.resolve("after.svg");
    trace.writeSvg(svg);
    readSvg(svg); // well-formed
  }

  /** maxEvents below 1 is rejected. */
  @Test
  void start_maxEventsZero_throws() {
    assertThatIllegalArgumentException().isThrownBy(() -> FenceTrace.start(0));
  }

  /** A null path is rejected, naming the parameter. */
  @Test
  void writers_nullPath_throwNpe() {
    try (FenceTrace trace = FenceTrace.start()) {
      assertThatNullPointerException()
          .isThrownBy(() -> trace.writeChromeTrace(null))
          .withMessageContaining("file");
      assertThatNullPointerException()
          .isThrownBy(() -> trace.writeSvg(null))
          .withMessageContaining("file");
    }
  }

  /** With no trace recording, nothing is delivered: a closed trace leaves the switch off. */
  @Test
  void close_lastTrace_turnsTracingOff() {
    FenceTrace trace = FenceTrace.start();
    trace.close();
    assertThat(org.fence4j.internal.Diagnostics.isOn())
        .isEqualTo(org.fence4j.internal.Diagnostics.isTracking());
  }
}
