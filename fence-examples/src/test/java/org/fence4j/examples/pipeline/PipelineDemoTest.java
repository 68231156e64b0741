package org.fence4j.examples.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fence4j.debug.TraceFiles.events;
import static org.fence4j.debug.TraceFiles.readChromeTrace;
import static org.fence4j.debug.TraceFiles.readSvg;
import static org.fence4j.debug.TraceFiles.trackNames;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.fence4j.FenceError;
import org.fence4j.debug.PendingFence;
import org.fence4j.debug.TraceFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo pipeline: its counts, the hang found and survived, the trace and the picture,
 * and that two runs are the same. One run (as fast as the machine goes, watchdog threshold 100 ms)
 * is shared by the checks.
 */
@Timeout(120)
class PipelineDemoTest {
  private static final Duration THRESHOLD = Duration.ofMillis(100);

  @TempDir static Path dir;

  private static PipelineDemo.Result result;
  private static String output;

  @BeforeAll
  static void runOnce() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    result = PipelineDemo.run(Script.standard(), 0, THRESHOLD, dir.resolve("first"), out);
    PipelineDemo.print(result, out);
    output = bytes.toString(StandardCharsets.UTF_8);
  }

  private static PipelineDemo.Result runAgain(String name) throws Exception {
    PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    return PipelineDemo.run(Script.standard(), 0, THRESHOLD, dir.resolve(name), sink);
  }

  /** Every frame is either shown or dropped, and the script's drops happen. */
  @Test
  void run_standardScript_showsAndDropsTheScriptedFrames() {
    assertThat(result.shown() + result.droppedLate() + result.droppedFailed()).isEqualTo(120);
    assertThat(result.droppedFailed()).isEqualTo(1);
    assertThat(result.droppedLate()).isEqualTo(1);
    assertThat(result.events())
        .anyMatch(e -> e.endsWith(": frame 75 dropped: failed (ETIME)"))
        .anyMatch(e -> e.endsWith(": frame 31 dropped: frame 32 made the same vsync"))
        .filteredOn(e -> e.contains("dropped"))
        .hasSize(2);
  }

  /** The moments worth seeing: the renderer held back by the screen, the compositor waiting. */
  @Test
  void run_standardScript_waitsHappen() {
    assertThat(result.heldBackByScreen()).isPositive();
    assertThat(result.renderWaits()).isGreaterThanOrEqualTo(result.heldBackByScreen());
    assertThat(result.composeWaits()).isPositive();
    assertThat(result.vsyncWaits()).isPositive();
  }

  /** The watchdog names the hung render fence and the compositor waiting on it; ETIME ends it. */
  @Test
  void run_gpuHang_namedByWatchdogAndRecovered() {
    Pipeline.Hang hang = result.hang();
    assertThat(hang).isNotNull();
    assertThat(Pipeline.label(hang.fence())).isEqualTo("render 75");
    assertThat(hang.fence().error()).contains(FenceError.ETIME);
    PendingFence report = hang.report();
    assertThat(report.fence()).isSameAs(hang.fence());
    assertThat(report.age()).isGreaterThanOrEqualTo(THRESHOLD);
    assertThat(report.waiters()).extracting(Thread::getName).contains("compose-stage");
    assertThat(result.reports()).extracting(PendingFence::fence).contains(hang.fence());
    assertThat(output)
        .contains("[watchdog] fence pending for ")
        .contains("on timeline \"render\"")
        .contains("recovered: render 75 signaled with ETIME");
  }

  /** The summary names the stages' latencies, the counts and both files. */
  @Test
  void print_result_namesLatenciesCountsAndFiles() {
    assertThat(result.latencies())
        .extracting(PipelineDemo.Latency::stage)
        .containsExactly("render", "compose", "display", "end to end");
    assertThat(result.latencies())
        .allSatisfy(l -> assertThat(l.p99()).isGreaterThanOrEqualTo(l.p50()));
    assertThat(output)
        .contains("frame 30/120 on screen")
        .contains("p50   p99")
        .contains("https://ui.perfetto.dev")
        .contains(result.traceFile().toString())
        .contains(result.svgFile().toString());
  }

  /**
   * The trace is Chrome trace-event JSON: complete events for the pipeline's fences on named tracks
   * (one per timeline, one per waiting stage thread), the hung fence with status -62.
   */
  @Test
  void run_traceFile_isValidChromeTrace() throws Exception {
    JsonNode root = readChromeTrace(result.traceFile());
    List<JsonNode> complete = events(root, "X");
    for (JsonNode e : complete) {
      assertThat(e.get("ts").isNumber()).isTrue();
      assertThat(e.get("dur").isNumber()).isTrue();
    }
    assertThat(trackNames(root).values())
        .contains("render", "compose", "scanout", "vsync")
        .contains("render-stage", "compose-stage", "display-stage");
    String hung = result.hang().fence().context() + ":75";
    assertThat(complete)
        .anySatisfy(
            e -> {
              assertThat(e.get("name").asText()).isEqualTo(hung);
              assertThat(e.get("args").get("status").asInt()).isEqualTo(-62);
            });
    assertThat(complete).anySatisfy(e -> assertThat(e.get("cat").asText()).isEqualTo("wait"));
  }

  /** The picture is well-formed SVG with a row per timeline and stage thread and a red bar. */
  @Test
  void run_svgFile_isWellFormedWithRowsAndRedBar() throws Exception {
    TraceFiles.Svg svg = readSvg(result.svgFile());
    assertThat(svg.rootTag()).isEqualTo("svg");
    assertThat(svg.groupClasses()).contains("axis", "legend");
    assertThat(svg.rows())
        .contains("render", "compose", "scanout", "vsync")
        .contains("render-stage", "compose-stage", "display-stage");
    assertThat(svg.hasRect("error", "#d62728")).isTrue();
    assertThat(Files.size(result.svgFile())).isPositive();
  }

  /**
   * The picture committed for the README (a copy of one run's SVG) is well-formed SVG with the
   * pipeline's rows and the hang's red bar.
   */
  @Test
  void readmePicture_isWellFormedSvgOfThePipeline() throws Exception {
    Path picture = Path.of("..", "docs", "images", "pipeline.svg");
    assertThat(readSvg(picture).rootTag()).isEqualTo("svg");
    String text = Files.readString(picture);
    assertThat(text)
        .contains("data-track=\"render\"")
        .contains("data-track=\"display-stage\"")
        .contains("class=\"error\"");
  }

  /** Two runs show and drop the same frames, make the same waits and log the same events. */
  @Test
  void run_twice_sameCountsAndEvents() throws Exception {
    PipelineDemo.Result again = runAgain("second");
    assertThat(again.events()).isEqualTo(result.events());
    assertThat(again.shown()).isEqualTo(result.shown());
    assertThat(again.droppedLate()).isEqualTo(result.droppedLate());
    assertThat(again.renderWaits()).isEqualTo(result.renderWaits());
    assertThat(again.heldBackByScreen()).isEqualTo(result.heldBackByScreen());
    assertThat(again.composeWaits()).isEqualTo(result.composeWaits());
    assertThat(again.vsyncWaits()).isEqualTo(result.vsyncWaits());
    assertThat(again.latencies()).isEqualTo(result.latencies());
    assertThat(again.hang().stuck()).isEqualTo(result.hang().stuck());
  }
}
