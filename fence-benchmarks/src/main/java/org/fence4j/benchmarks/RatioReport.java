package org.fence4j.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns one JMH run (its JSON result file) and the {@link Footprint} rows into {@code ratios.csv},
 * with the header {@code pair,fence4j_ns,peer,peer_ns,ratio}: one row per pair and peer (ratio =
 * fence4j_ns / peer_ns), the footprint rows {@code footprint-<what>,<fence4j
 * bytes>,CompletableFuture,<bytes>,<ratio>} and the clock row {@code clock-nanoTime,<ns>,none,0,0}.
 * It also writes {@code ratios.md}, the same numbers as Markdown tables with the error bars, the
 * clock-adjusted ratio of the pairs that signal and each target, and, when the run had {@code -prof
 * gc}, {@code alloc.csv} with the bytes allocated per operation of every benchmark.
 *
 * <p>Series (issue 15: how cost grows): each {@code *SeriesBenchmark} is run over sizes {@code N}
 * (its {@code @Param n}); the report divides every score by {@code N} and writes one row per size
 * and peer, {@code <series>-n<N>,<fence4j ns per element>,<peer>,<peer ns per element>,<ratio>}
 * (what an element is depends on the series: a fence waited on, a member, an add, a point, a
 * buffer), one Markdown table per series with the growth of the per-element cost from {@code N =
 * 64} to the largest size, and one SVG line chart per series, {@code series-<series>.svg} (fence4j
 * and the peers, log-scale {@code N}), in the output directory and, with {@code --images}, copied
 * there too (e.g. {@code docs/images}). The pipeline benchmark gets a table of frames per second
 * and bytes per frame.
 *
 * <p>Usage: {@code RatioReport --jmh <result.json> [--series <series.json>] [--footprint <csv>]
 * [--out <dir>] [--images <dir>] [--command <text>] [--mode <text>]}. Pairs and series whose
 * benchmarks are not in the result files are listed as missing on standard error and left out.
 */
public final class RatioReport {

  /** A peer in a pair: its name in the CSV and its benchmark key. */
  private record Peer(String name, String key) {}

  /**
   * A like-for-like pair: the fence4j benchmark key, how many fences one of its operations signals
   * (each reads the clock once; the peers never do), and its peers.
   */
  private record Pair(String id, String fence4jKey, long signalsPerOp, List<Peer> peers) {}

  /** A score (ns/op, or B/op for allocation) with its 99.9% error. */
  private record Score(double value, double error) {}

  private static final String CF = "CompletableFuture";
  private static final String GUAVA = "SettableFuture";
  private static final String LOCK_CONDITION = "ReentrantLock+Condition";
  private static final String PHASER = "Phaser";
  private static final String CLOCK_KEY = "ClockBenchmark.nanoTime";
  private static final String GC_NORM = "gc.alloc.rate.norm";

  private static final List<Pair> PAIRS =
      List.of(
          new Pair(
              "create-signal",
              "CreateSignalBenchmark.fence4j",
              1,
              List.of(
                  new Peer(CF, "CreateSignalBenchmark.completableFuture"),
                  new Peer(GUAVA, "CreateSignalBenchmark.settableFuture"))),
          new Pair(
              "signal-1cb",
              "SignalCallbacksBenchmark.fence4j[callbacks=1]",
              1,
              List.of(
                  new Peer(CF, "SignalCallbacksBenchmark.completableFuture[callbacks=1]"),
                  new Peer(GUAVA, "SignalCallbacksBenchmark.settableFuture[callbacks=1]"))),
          new Pair(
              "signal-8cb",
              "SignalCallbacksBenchmark.fence4j[callbacks=8]",
              1,
              List.of(
                  new Peer(CF, "SignalCallbacksBenchmark.completableFuture[callbacks=8]"),
                  new Peer(GUAVA, "SignalCallbacksBenchmark.settableFuture[callbacks=8]"))),
          new Pair(
              "isSignaled",
              "IsSignaledBenchmark.fence4j",
              0,
              List.of(
                  new Peer(CF, "IsSignaledBenchmark.completableFuture"),
                  new Peer(GUAVA, "IsSignaledBenchmark.settableFuture"))),
          new Pair(
              "waitAny64-threaded",
              "WaitAnyBenchmark.fence4jThreaded",
              1,
              List.of(new Peer(CF, "WaitAnyBenchmark.completableFutureThreaded"))),
          new Pair(
              "waitAny64-presignaled",
              "WaitAnyBenchmark.fence4jPresignaled",
              0,
              List.of(new Peer(CF, "WaitAnyBenchmark.completableFuturePresignaled"))),
          // 1,024 members and the array itself.
          new Pair(
              "waitAll-1024",
              "FenceArrayBenchmark.fence4j",
              FenceArrayBenchmark.MEMBERS + 1,
              List.of(
                  new Peer(CF, "FenceArrayBenchmark.completableFuture"),
                  new Peer(GUAVA, "FenceArrayBenchmark.settableFuture"))),
          new Pair(
              "cascade-10000",
              "CascadeBenchmark.fence4j",
              CascadeBenchmark.LINKS,
              List.of(
                  new Peer(CF, "CascadeBenchmark.completableFuture"),
                  new Peer(GUAVA, "CascadeBenchmark.settableFuture"))),
          new Pair(
              "reservation-addFence",
              "ReservationSnapshotBenchmark.fence4j:fence4jWriter",
              0,
              List.of(
                  new Peer(
                      "ReentrantReadWriteLock", "ReservationSnapshotBenchmark.rwLock:rwLockWriter"),
                  new Peer("CopyOnWriteArrayList", "ReservationSnapshotBenchmark.cow:cowWriter"))),
          new Pair(
              "reservation-snapshot",
              "ReservationSnapshotBenchmark.fence4j:fence4jReader",
              0,
              List.of(
                  new Peer(
                      "ReentrantReadWriteLock", "ReservationSnapshotBenchmark.rwLock:rwLockReader"),
                  new Peer("CopyOnWriteArrayList", "ReservationSnapshotBenchmark.cow:cowReader"))),
          new Pair(
              "ww-lock-4of16",
              "MultiLockBenchmark.fence4j",
              0,
              List.of(new Peer("ReentrantLock-sorted", "MultiLockBenchmark.reentrantLocksSorted"))),
          // Per frame: the render fence and the compositor's read fence.
          new Pair(
              "pipeline-1000frames",
              "PipelineBenchmark.fence4j",
              2L * PipelineBenchmark.FRAMES,
              List.of(
                  new Peer("CompletableFuture-chain", "PipelineBenchmark.completableFuture"),
                  new Peer(
                      "CompletableFuture-direct", "PipelineBenchmark.completableFutureDirect"))),
          // Timeline sync objects against a counter that waits for a value.
          new Pair(
              "syncobj-hostSignal-query",
              "SyncObjectBenchmark.hostSignalQueryFence4j",
              0, // the shared stub, and the query does not signal the link
              List.of(
                  new Peer(LOCK_CONDITION, "SyncObjectBenchmark.hostSignalQueryLockCondition"),
                  new Peer(PHASER, "SyncObjectBenchmark.hostSignalQueryPhaser"))),
          new Pair(
              "syncobj-waitAll-8-signaled",
              "SyncObjectBenchmark.waitAll8Fence4j",
              0,
              List.of(
                  new Peer(LOCK_CONDITION, "SyncObjectBenchmark.waitAll8LockCondition"),
                  new Peer(PHASER, "SyncObjectBenchmark.waitAll8Phaser"))),
          new Pair(
              "syncobj-submit-roundtrip",
              "SyncObjectBenchmark.submitRoundTripFence4j",
              2, // the waiter's private wake fence and the point's link
              List.of(
                  new Peer(LOCK_CONDITION, "SyncObjectBenchmark.submitRoundTripLockCondition"),
                  new Peer(PHASER, "SyncObjectBenchmark.submitRoundTripPhaser"))));

  /**
   * A series: its id (the CSV rows are {@code <id>-n<N>}), a chart title, what one element is (the
   * report divides each score by N), the fence4j benchmark key without its {@code [n=..]} and the
   * peers.
   */
  private record Series(
      String id, String title, String element, String fence4jKey, List<Peer> peers) {}

  /** The per-element growth from N = 64 to the largest N above which a series counts as growing. */
  static final double GROWTH_LIMIT = 2.0;

  private static final List<Series> SERIES =
      List.of(
          new Series(
              "waitAny",
              "Fences.waitAny over N fences (N - 1 pending; the last signals at registration)",
              "fence",
              "WaitSeriesBenchmark.waitAnyFence4j",
              List.of(new Peer(CF, "WaitSeriesBenchmark.waitAnyCompletableFuture"))),
          new Series(
              "waitAll",
              "Fences.waitAll over N signaled fences",
              "fence",
              "WaitSeriesBenchmark.waitAllFence4j",
              List.of(new Peer(CF, "WaitSeriesBenchmark.waitAllCompletableFuture"))),
          new Series(
              "merge",
              "Fences.merge of N fences over N/4 contexts, then signaled",
              "fence",
              "CombineSeriesBenchmark.mergeFence4j",
              List.of(new Peer(CF, "CombineSeriesBenchmark.completableFuture"))),
          new Series(
              "fenceArray",
              "FenceArray.all of N members, then signaled",
              "member",
              "CombineSeriesBenchmark.arrayFence4j",
              List.of(new Peer(CF, "CombineSeriesBenchmark.completableFuture"))),
          new Series(
              "reservation-add",
              "ReservationObject holding N contexts: replace one context's fence",
              "add",
              "ReservationSeriesBenchmark.addFence4j",
              List.of(new Peer("ReentrantReadWriteLock", "ReservationSeriesBenchmark.addRwLock"))),
          new Series(
              "reservation-snapshot",
              "ReservationObject holding N contexts: snapshot of the fences",
              "entry",
              "ReservationSeriesBenchmark.snapshotFence4j",
              List.of(
                  new Peer("ReentrantReadWriteLock", "ReservationSeriesBenchmark.snapshotRwLock"))),
          new Series(
              "syncobj-add",
              "SyncObject timeline: add N pending points",
              "point",
              "SyncObjectSeriesBenchmark.addFence4j",
              List.of(new Peer(LOCK_CONDITION, "SyncObjectSeriesBenchmark.addLockCondition"))),
          new Series(
              "syncobj-query",
              "SyncObject timeline with N pending points: lastSignaledPoint()",
              "query",
              "SyncObjectSeriesBenchmark.queryFence4j",
              List.of(new Peer(LOCK_CONDITION, "SyncObjectSeriesBenchmark.queryLockCondition"))),
          new Series(
              "syncobj-wait",
              "SyncObject timeline: add N points, signal them, wait for the last",
              "point",
              "SyncObjectSeriesBenchmark.waitFence4j",
              List.of(new Peer(LOCK_CONDITION, "SyncObjectSeriesBenchmark.waitLockCondition"))),
          new Series(
              "resourceset",
              "ResourceSet over N buffers: acquire (exclusive) and release",
              "buffer",
              "ResourceSetSeriesBenchmark.fence4j",
              List.of(
                  new Peer(
                      "ReentrantLock-sorted", "ResourceSetSeriesBenchmark.reentrantLocksSorted"),
                  new Peer("KDS-like global lock", "ResourceSetSeriesBenchmark.globalLock"))));

  private RatioReport() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = options(args);
    Path jmh = Path.of(require(options, "--jmh"));
    Path out = Path.of(options.getOrDefault("--out", "fence-benchmarks/target"));
    Path footprint =
        options.containsKey("--footprint") ? Path.of(options.get("--footprint")) : null;

    Path images = options.containsKey("--images") ? Path.of(options.get("--images")) : null;

    List<?> runs = (List<?>) MiniJson.parse(Files.readString(jmh, StandardCharsets.UTF_8));
    Map<String, Score> scores = new LinkedHashMap<>();
    Map<String, Score> alloc = new TreeMap<>();
    collect(runs, scores, alloc);
    if (options.containsKey("--series")) {
      Path seriesFile = Path.of(options.get("--series"));
      if (Files.exists(seriesFile)) {
        collect(
            (List<?>) MiniJson.parse(Files.readString(seriesFile, StandardCharsets.UTF_8)),
            scores,
            alloc);
      }
    }

    List<String> csv = new ArrayList<>();
    List<String> md = new ArrayList<>();
    csv.add("pair,fence4j_ns,peer,peer_ns,ratio");
    md.add(environment(runs, options));
    md.add("");
    md.add(
        "| pair | fence4j ns/op | peer | peer ns/op | ratio | signals/op | ratio less clock"
            + " | target |");
    md.add("|---|---:|---|---:|---:|---:|---:|:---:|");
    Score clock = scores.get(CLOCK_KEY);
    List<String> missing = new ArrayList<>();
    for (Pair pair : PAIRS) {
      Score mine = scores.get(pair.fence4jKey());
      for (Peer peer : pair.peers()) {
        Score theirs = scores.get(peer.key());
        if (mine == null || theirs == null) {
          missing.add(pair.id() + " vs " + peer.name());
          continue;
        }
        double ratio = mine.value() / theirs.value();
        csv.add(
            String.join(
                ",", pair.id(), num(mine.value()), peer.name(), num(theirs.value()), ratio(ratio)));
        String adjusted = "";
        double clockNs = 0;
        if (pair.signalsPerOp() > 0 && clock != null) {
          clockNs = pair.signalsPerOp() * clock.value();
          adjusted = ratio((mine.value() - clockNs) / theirs.value());
        }
        md.add(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %d | %s | %s |",
                pair.id(),
                withError(mine),
                peer.name(),
                withError(theirs),
                ratio(ratio),
                pair.signalsPerOp(),
                adjusted,
                verdict(mine, theirs, clockNs)));
      }
    }

    scaling(scores, csv, md, missing);
    pipeline(scores, alloc, md, missing);
    Files.createDirectories(out);
    series(scores, csv, md, missing, out, images);

    if (footprint != null && Files.exists(footprint)) {
      md.add("");
      md.add(
          "| footprint (JOL, bytes per instance) | fence4j | CompletableFuture | ratio | target |");
      md.add("|---|---:|---:|---:|:---:|");
      for (String line : Files.readAllLines(footprint, StandardCharsets.UTF_8)) {
        String[] f = line.split(",");
        if (f.length != 3) {
          continue;
        }
        long mine = Long.parseLong(f[1].trim());
        long theirs = Long.parseLong(f[2].trim());
        String ratio = ratio((double) mine / theirs);
        csv.add(
            String.join(
                ",", "footprint-" + f[0], Long.toString(mine), CF, Long.toString(theirs), ratio));
        String target =
            f[0].equals("pending") ? (mine <= 48 ? "≤ 48 B: met" : "≤ 48 B: **missed**") : "";
        md.add(
            String.format(
                Locale.ROOT,
                "| footprint-%s | %d | %d | %s | %s |",
                f[0],
                mine,
                theirs,
                ratio,
                target));
      }
    } else {
      missing.add("footprint" + (footprint == null ? "" : " (no " + footprint + ")"));
    }

    if (clock != null) {
      csv.add("clock-nanoTime," + num(clock.value()) + ",none,0,0");
      md.add("");
      md.add(
          String.format(
              Locale.ROOT,
              "Clock: one `System.nanoTime()` read is %s ns" + " (`clock-nanoTime`).",
              withError(clock)));
    } else {
      missing.add("clock-nanoTime");
    }

    Files.createDirectories(out);
    Files.write(out.resolve("ratios.csv"), csv, StandardCharsets.UTF_8);
    if (!alloc.isEmpty()) {
      List<String> allocCsv = new ArrayList<>();
      allocCsv.add("benchmark,bytes_per_op");
      alloc.forEach((k, v) -> allocCsv.add(k + "," + num(v.value())));
      Files.write(out.resolve("alloc.csv"), allocCsv, StandardCharsets.UTF_8);
      md.add("");
      md.add(allocationLine(alloc));
    }
    if (!missing.isEmpty()) {
      md.add("");
      md.add("Not in this run: " + String.join("; ", missing) + ".");
      System.err.println("ratio report: not in this run: " + String.join("; ", missing));
    }
    Files.write(out.resolve("ratios.md"), md, StandardCharsets.UTF_8);
    csv.forEach(System.out::println);
  }

  /**
   * ResourceSet on disjoint buffers: per-thread throughput with one and two threads, and the
   * scaling {@code 2 * t1 / t2} (two threads' total throughput over one thread's), for fence4j and
   * the KDS-like global-lock baseline. CSV rows: {@code resourceset-scaling[-global-lock],<ns/op
   * per thread, 2 threads>,one-thread,<ns/op, 1 thread>,<scaling>}.
   */
  private static void scaling(
      Map<String, Score> scores, List<String> csv, List<String> md, List<String> missing) {
    String prefix = "ResourceSetScalingBenchmark.";
    String[][] rows = {
      {"resourceset-scaling", "fence4j", "fence4jOneThread", "fence4jTwoThreads", "≥ 1.6"},
      {
        "resourceset-scaling-global-lock",
        "KDS-like global lock",
        "globalLockOneThread",
        "globalLockTwoThreads",
        ""
      }
    };
    List<String> table = new ArrayList<>();
    for (String[] row : rows) {
      Score one = scores.get(prefix + row[2]);
      Score two = scores.get(prefix + row[3]);
      if (one == null || two == null) {
        missing.add(row[0]);
        continue;
      }
      double scaling = 2 * one.value() / two.value();
      csv.add(
          String.join(
              ",", row[0], num(two.value()), "one-thread", num(one.value()), ratio(scaling)));
      String verdict =
          row[4].isEmpty() ? "" : (scaling >= 1.6 ? row[4] + ": met" : row[4] + ": **missed**");
      table.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s |",
              row[1],
              withError(one),
              withError(two),
              num(1e6 / one.value()),
              num(1e6 / two.value()),
              ratio(scaling),
              verdict));
    }
    if (!table.isEmpty()) {
      md.add("");
      md.add(
          "| ResourceSet, exclusive set on own buffers | 1 thread ns/op | 2 threads ns/op"
              + " (per thread) | ops/ms per thread, 1 thread | ops/ms per thread, 2 threads"
              + " | scaling 2T/1T | target |");
      md.add("|---|---:|---:|---:|---:|---:|:---:|");
      md.addAll(table);
    }
  }

  /** Reads every benchmark's primary score and secondary scores under a short key. */
  private static void collect(List<?> runs, Map<String, Score> scores, Map<String, Score> alloc) {
    for (Object o : runs) {
      Map<?, ?> run = (Map<?, ?>) o;
      String key = shortKey((String) run.get("benchmark"), (Map<?, ?>) run.get("params"));
      Map<?, ?> primary = (Map<?, ?>) run.get("primaryMetric");
      String unit = (String) primary.get("scoreUnit");
      if (!"ns/op".equals(unit)) {
        throw new IllegalArgumentException(key + " is in " + unit + "; run with -bm avgt -tu ns");
      }
      scores.put(key, score(primary));
      Map<?, ?> secondary = (Map<?, ?>) run.get("secondaryMetrics");
      if (secondary == null) {
        continue;
      }
      for (Map.Entry<?, ?> e : secondary.entrySet()) {
        String name = (String) e.getKey();
        Map<?, ?> metric = (Map<?, ?>) e.getValue();
        if (name.equals(GC_NORM)) {
          alloc.put(key, score(metric));
        } else if ("ns/op".equals(metric.get("scoreUnit"))) {
          scores.put(key + ":" + name, score(metric));
        }
      }
    }
  }

  /** {@code org.fence4j.benchmarks.Foo.bar} with params {a=1} → {@code Foo.bar[a=1]}. */
  private static String shortKey(String benchmark, Map<?, ?> params) {
    int method = benchmark.lastIndexOf('.');
    int type = benchmark.lastIndexOf('.', method - 1);
    StringBuilder key = new StringBuilder(benchmark.substring(type + 1));
    if (params != null && !params.isEmpty()) {
      key.append('[');
      new TreeMap<>(params).forEach((k, v) -> key.append(k).append('=').append(v).append(','));
      key.setCharAt(key.length() - 1, ']');
    }
    return key.toString();
  }

  private static Score score(Map<?, ?> metric) {
    return new Score(number(metric.get("score")), number(metric.get("scoreError")));
  }

  private static double number(Object value) {
    if (value instanceof Double) {
      return (Double) value;
    }
    return Double.NaN; // JMH writes "NaN" as a string, e.g. the error of a single sample
  }

  private static String allocationLine(Map<String, Score> alloc) {
    Score signal = alloc.get("CreateSignalBenchmark.fence4j");
    Score create = alloc.get("CreateSignalBenchmark.fence4jCreateOnly");
    if (signal == null || create == null) {
      return "Allocation (`-prof gc`): see alloc.csv.";
    }
    double bytes = signal.value() - create.value();
    return String.format(
        Locale.ROOT,
        "Allocation (`-prof gc`, gc.alloc.rate.norm): create+signal"
            + " %s B/op, create only %s B/op, so `signal()` with no callbacks allocates %s B/op"
            + " (target 0: %s).",
        num(signal.value()),
        num(create.value()),
        num(bytes),
        Math.abs(bytes) < 1.0 ? "met" : "**missed**");
  }

  /**
   * The pipeline benchmark as frames per second ({@value PipelineBenchmark#FRAMES} frames per
   * operation) and bytes allocated per frame (all threads; with {@code -prof gc}), fence4j beside
   * its two peers, with the targets: fence4j at least as fast as, and allocating at most as much
   * as, the {@code CompletableFuture} chain.
   */
  private static void pipeline(
      Map<String, Score> scores, Map<String, Score> alloc, List<String> md, List<String> missing) {
    String[][] rows = {
      {"fence4j (reservation objects, sync file)", "PipelineBenchmark.fence4j"},
      {"CompletableFuture chain + ReentrantLock per buffer", "PipelineBenchmark.completableFuture"},
      {
        "CompletableFuture direct + ReentrantLock per buffer",
        "PipelineBenchmark.completableFutureDirect"
      }
    };
    if (!scores.containsKey(rows[0][1])) {
      missing.add("pipeline");
      return;
    }
    double frames = PipelineBenchmark.FRAMES;
    md.add("");
    md.add(
        "| pipeline: render → compose → display, 3 buffers, 2 threads | ns per 1,000 frames"
            + " | frames/s | B/frame |");
    md.add("|---|---:|---:|---:|");
    for (String[] row : rows) {
      Score score = scores.get(row[1]);
      if (score == null) {
        continue;
      }
      Score bytes = alloc.get(row[1]);
      md.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s |",
              row[0],
              withError(score),
              String.format(Locale.ROOT, "%.0f", frames * 1e9 / score.value()),
              bytes == null ? "–" : num(bytes.value() / frames)));
    }
    Score mine = scores.get(rows[0][1]);
    Score chain = scores.get(rows[1][1]);
    if (mine != null && chain != null) {
      StringBuilder target = new StringBuilder();
      target.append(
          String.format(
              Locale.ROOT,
              "Pipeline targets: fence4j at least as many frames/s as the CompletableFuture chain"
                  + " (%s)",
              verdict(mine, chain, 0)));
      Score mineBytes = alloc.get(rows[0][1]);
      Score chainBytes = alloc.get(rows[1][1]);
      if (mineBytes != null && chainBytes != null) {
        target.append(
            mineBytes.value() <= chainBytes.value()
                ? "; at most its bytes per frame (met)"
                : "; at most its bytes per frame (**missed**)");
      }
      md.add("");
      md.add(target.append('.').toString());
    }
  }

  /**
   * One table, CSV rows and a chart per series (see the class comment). Scores are per operation
   * over N elements; every number written is per element.
   */
  private static void series(
      Map<String, Score> scores,
      List<String> csv,
      List<String> md,
      List<String> missing,
      Path out,
      @Nullable Path images)
      throws IOException {
    for (Series series : SERIES) {
      TreeMap<Long, Score> mine = sized(scores, series.fence4jKey());
      if (mine.isEmpty()) {
        missing.add("series " + series.id());
        continue;
      }
      List<TreeMap<Long, Score>> peers = new ArrayList<>();
      StringBuilder header = new StringBuilder("| N | fence4j ns/" + series.element());
      StringBuilder rule = new StringBuilder("|---:|---:");
      for (Peer peer : series.peers()) {
        peers.add(sized(scores, peer.key()));
        header.append(" | ").append(peer.name()).append(" ns/").append(series.element());
        header.append(" | ratio");
        rule.append("|---:|---:");
      }
      md.add("");
      md.add(
          "Series `"
              + series.id()
              + "`: "
              + series.title()
              + " (ns per "
              + series.element()
              + ").");
      md.add("");
      md.add(header.append(" |").toString());
      md.add(rule.append("|").toString());
      List<SeriesChart.Point> minePoints = new ArrayList<>();
      List<List<SeriesChart.Point>> peerPoints = new ArrayList<>();
      for (int i = 0; i < peers.size(); i++) {
        peerPoints.add(new ArrayList<>());
      }
      for (Map.Entry<Long, Score> e : mine.entrySet()) {
        long n = e.getKey();
        double m = e.getValue().value() / n;
        minePoints.add(new SeriesChart.Point(n, m));
        StringBuilder row = new StringBuilder("| " + n + " | " + num(m));
        for (int i = 0; i < peers.size(); i++) {
          Score t = peers.get(i).get(n);
          if (t == null) {
            row.append(" | | ");
            continue;
          }
          double theirs = t.value() / n;
          peerPoints.get(i).add(new SeriesChart.Point(n, theirs));
          String name = series.peers().get(i).name();
          csv.add(
              String.join(
                  ",", series.id() + "-n" + n, num(m), name, num(theirs), ratio(m / theirs)));
          row.append(" | ").append(num(theirs)).append(" | ").append(ratio(m / theirs));
        }
        md.add(row.append(" |").toString());
      }
      StringBuilder growth = new StringBuilder();
      growth.append(growthOf("fence4j", mine));
      for (int i = 0; i < peers.size(); i++) {
        String g = growthOf(series.peers().get(i).name(), peers.get(i));
        if (!g.isEmpty()) {
          growth.append(growth.length() > 0 ? "; " : "").append(g);
        }
      }
      if (growth.length() > 0) {
        md.add("");
        md.add("Per-element cost from N = 64 to the largest N: " + growth + ".");
      }
      List<SeriesChart.Line> lines = new ArrayList<>();
      lines.add(new SeriesChart.Line("fence4j", minePoints));
      for (int i = 0; i < peers.size(); i++) {
        if (!peerPoints.get(i).isEmpty()) {
          lines.add(new SeriesChart.Line(series.peers().get(i).name(), peerPoints.get(i)));
        }
      }
      String file = "series-" + series.id() + ".svg";
      String svg =
          SeriesChart.svg(
              series.title(),
              "N (" + series.element() + "s per operation)",
              "ns per " + series.element(),
              lines);
      Files.writeString(out.resolve(file), svg, StandardCharsets.UTF_8);
      if (images != null) {
        Files.createDirectories(images);
        Files.writeString(images.resolve(file), svg, StandardCharsets.UTF_8);
      }
      md.add("");
      md.add("![" + series.title() + "](images/" + file + ")");
    }
  }

  /** The scores of {@code key[n=N]} by N. */
  private static TreeMap<Long, Score> sized(Map<String, Score> scores, String key) {
    TreeMap<Long, Score> sized = new TreeMap<>();
    String prefix = key + "[n=";
    for (Map.Entry<String, Score> e : scores.entrySet()) {
      String k = e.getKey();
      if (k.startsWith(prefix) && k.endsWith("]")) {
        String n = k.substring(prefix.length(), k.length() - 1);
        if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
          sized.put(Long.parseLong(n), e.getValue());
        }
      }
    }
    return sized;
  }

  /**
   * "fence4j ×1.10 (flat)" or "... (**grows**)": the per-element cost at the largest N over the one
   * at N = 64 (or the smallest N above it); empty when there is no such pair of sizes.
   */
  private static String growthOf(String name, TreeMap<Long, Score> byN) {
    Long from = byN.ceilingKey(64L);
    if (from == null || from.equals(byN.lastKey())) {
      return "";
    }
    long to = byN.lastKey();
    double factor = (byN.get(to).value() / to) / (byN.get(from).value() / from);
    return String.format(
        Locale.ROOT, "%s ×%.2f (%s)", name, factor, factor <= GROWTH_LIMIT ? "flat" : "**grows**");
  }

  private static String environment(List<?> runs, Map<String, String> options) {
    String jdk = "?";
    String vm = "?";
    String jvmArgs = "";
    if (!runs.isEmpty()) {
      Map<?, ?> first = (Map<?, ?>) runs.get(0);
      jdk = String.valueOf(first.get("jdkVersion"));
      vm = first.get("vmName") + " " + first.get("vmVersion");
      jvmArgs = String.valueOf(first.get("jvmArgs"));
    }
    return String.format(
        Locale.ROOT,
        "Machine: %d CPUs (%s), JDK %s (%s), JVM args %s, %s, %s mode.%nCommand: `%s`",
        Runtime.getRuntime().availableProcessors(),
        cpuModel(),
        jdk,
        vm,
        jvmArgs,
        LocalDate.now(),
        options.getOrDefault("--mode", "?"),
        options.getOrDefault("--command", "?"));
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no model name
    }
    return "unknown CPU";
  }

  /**
   * "met" when fence4j, less its clock reads, is at or below the peer; "within error" when it is
   * above but the two 99.9% intervals overlap; else "missed".
   */
  private static String verdict(Score mine, Score theirs, double clockNs) {
    double fence4j = mine.value() - clockNs;
    if (fence4j <= theirs.value()) {
      return "met";
    }
    double slack = nanToZero(mine.error()) + nanToZero(theirs.error());
    return fence4j - slack <= theirs.value() ? "within error" : "**missed**";
  }

  private static double nanToZero(double value) {
    return Double.isNaN(value) ? 0 : value;
  }

  /** {@code 12.34 ± 0.56}, or the score alone when JMH gave no error (a single sample). */
  private static String withError(Score score) {
    return Double.isNaN(score.error())
        ? num(score.value())
        : num(score.value()) + " ± " + num(score.error());
  }

  private static String num(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String ratio(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "usage: RatioReport --jmh <result.json>"
                + " [--footprint <csv>] [--out <dir>] [--command <text>] [--mode <text>]");
      }
      options.put(args[i], args[++i]);
    }
    return options;
  }

  private static String require(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing " + name);
    }
    return value;
  }
}
