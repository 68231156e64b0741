package org.fence4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class RatioReportTest {

  @TempDir Path dir;

  /** One entry of JMH's JSON result file. */
  private static String run(String benchmark, Integer n, double score, Double bytesPerOp) {
    String params = n == null ? "" : ", \"params\": {\"n\": \"" + n + "\"}";
    String secondary =
        bytesPerOp == null
            ? "{}"
            : String.format(
                Locale.ROOT,
                "{\"gc.alloc.rate.norm\": {\"score\": %s, \"scoreError\": \"NaN\","
                    + " \"scoreUnit\": \"B/op\"}}",
                bytesPerOp);
    return String.format(
        Locale.ROOT,
        "{\"benchmark\": \"org.fence4j.benchmarks.%s\", \"mode\": \"avgt\", \"jdkVersion\": \"17\","
            + " \"vmName\": \"test\", \"vmVersion\": \"1\", \"jvmArgs\": []%s,"
            + " \"primaryMetric\": {\"score\": %s, \"scoreError\": \"NaN\", \"scoreUnit\":"
            + " \"ns/op\"}, \"secondaryMetrics\": %s}",
        benchmark,
        params,
        score,
        secondary);
  }

  private Path json(String name, List<String> runs) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, "[" + String.join(",\n", runs) + "]", StandardCharsets.UTF_8);
    return file;
  }

  /** waitAny: fence4j 10 ns per fence flat, the peer 20 ns per fence; at n = 8, 64, 4096. */
  private List<String> waitAnySeries(double fence4jAt4096) {
    List<String> runs = new ArrayList<>();
    for (int n : new int[] {8, 64, 4096}) {
      double mine = n == 4096 ? fence4jAt4096 * n : 10.0 * n;
      runs.add(run("WaitSeriesBenchmark.waitAnyFence4j", n, mine, null));
      runs.add(run("WaitSeriesBenchmark.waitAnyCompletableFuture", n, 20.0 * n, null));
    }
    return runs;
  }

  private Path report(Path jmh, Path series, String... more) throws Exception {
    Path out = dir.resolve("out");
    List<String> args = new ArrayList<>(List.of("--jmh", jmh.toString(), "--out", out.toString()));
    if (series != null) {
      args.addAll(List.of("--series", series.toString()));
    }
    args.addAll(List.of(more));
    RatioReport.main(args.toArray(new String[0]));
    return out;
  }

  private Path emptyRun() throws Exception {
    return json("jmh.json", List.of(run("ClockBenchmark.nanoTime", null, 20, null)));
  }

  @Test
  void main_writesSeriesRowsPerElement() throws Exception {
    Path out = report(emptyRun(), json("series.json", waitAnySeries(10)));
    List<String> csv = Files.readAllLines(out.resolve("ratios.csv"));
    assertThat(csv.get(0)).isEqualTo("pair,fence4j_ns,peer,peer_ns,ratio");
    assertThat(csv)
        .contains(
            "waitAny-n8,10.00,CompletableFuture,20.00,0.500",
            "waitAny-n64,10.00,CompletableFuture,20.00,0.500",
            "waitAny-n4096,10.00,CompletableFuture,20.00,0.500");
  }

  @Test
  void main_writesAWellFormedChartPerSeries() throws Exception {
    Path out = report(emptyRun(), json("series.json", waitAnySeries(10)));
    Document svg = SvgDocuments.parse(Files.readString(out.resolve("series-waitAny.svg")));
    assertThat(SvgDocuments.elements(svg, "polyline")).hasSize(2);
    assertThat(SvgDocuments.elements(svg, "circle")).hasSize(6);
  }

  @Test
  void main_copiesChartsToTheImagesDirectory() throws Exception {
    Path images = dir.resolve("images");
    Path out =
        report(emptyRun(), json("series.json", waitAnySeries(10)), "--images", images.toString());
    assertThat(images.resolve("series-waitAny.svg"))
        .hasSameTextualContentAs(out.resolve("series-waitAny.svg"));
  }

  @Test
  void main_markdownShowsTheChartAndAFlatSeries() throws Exception {
    Path out = report(emptyRun(), json("series.json", waitAnySeries(10)));
    String md = Files.readString(out.resolve("ratios.md"));
    assertThat(md).contains("(images/series-waitAny.svg)").contains("fence4j ×1.00 (flat)");
  }

  @Test
  void main_flagsASeriesWhosePerElementCostGrows() throws Exception {
    Path out = report(emptyRun(), json("series.json", waitAnySeries(640)));
    assertThat(Files.readString(out.resolve("ratios.md"))).contains("fence4j ×64.00 (**grows**)");
  }

  @Test
  void main_listsSeriesNotRunAsMissing() throws Exception {
    Path out = report(emptyRun(), null);
    assertThat(Files.readString(out.resolve("ratios.md"))).contains("series waitAny");
    assertThat(out.resolve("series-waitAny.svg")).doesNotExist();
  }

  @Test
  void main_reportsPipelineFramesPerSecondAndBytesPerFrame() throws Exception {
    Path jmh =
        json(
            "jmh.json",
            List.of(
                run("PipelineBenchmark.fence4j", null, 1_000_000, 48_000.0),
                run("PipelineBenchmark.completableFuture", null, 2_000_000, 96_000.0)));
    String md = Files.readString(report(jmh, null).resolve("ratios.md"));
    assertThat(md)
        .contains("| fence4j (reservation objects, sync file) | 1000000.00 | 1000000 | 48.00 |")
        .contains("| 2000000.00 | 500000 | 96.00 |")
        .contains("(met); at most its bytes per frame (met)");
  }
}
