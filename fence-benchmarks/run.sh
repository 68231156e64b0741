#!/usr/bin/env bash
# Runs every fence4j benchmark pair side by side with its peers, then the JOL footprint program,
# and writes fence-benchmarks/target/ratios.csv (pair,fence4j_ns,peer,peer_ns,ratio).
#
# Usage: fence-benchmarks/run.sh [--full] [--series] [--images] [--no-build] [--no-gc] [-- JMH args]
#   (default)   quick mode: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement; about 5 minutes on
#               2 cores plus the build. Good for spotting a regression, not for publishing.
#               The series (*SeriesBenchmark) are left out.
#   --full      3 forks, 5 x 2 s warm-up, 5 x 2 s measurement; about 40 minutes; includes the
#               series (about 15 more minutes). The numbers in docs/BENCHMARKS.md come from it.
#   --series    also run the series (how cost grows with N = 1, 8, 64, 512, 4096) in a second JMH
#               run with lighter settings: quick 1 fork, 2 x 0.5 s warm-up, 3 x 0.5 s measurement
#               (about 6 minutes); with --full 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement.
#               Writes target/jmh-series.json and the charts target/series-<name>.svg.
#   --images    also copy the series charts to docs/images/ (for the committed BENCHMARKS.md).
#   --no-build  use the existing fence-benchmarks/target/benchmarks.jar.
#   --no-gc     leave out JMH's gc profiler (on by default: it writes target/alloc.csv and checks
#               that signal() without callbacks allocates nothing).
#   -- ...      everything after -- goes to JMH (both runs), e.g. a benchmark regex or -prof stack;
#               the first run never runs a series, the series run nothing else.
#
# Outputs in fence-benchmarks/target/: jmh-result.json (JMH's JSON), jmh.log (its text output),
# jmh-series.json / jmh-series.log (the series run), footprint.txt / footprint.csv (JOL),
# ratios.csv, ratios.md (the tables for docs/BENCHMARKS.md), series-<name>.svg (one line chart per
# series) and alloc.csv (bytes per operation of every benchmark, with the gc profiler).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

mode=quick
build=1
gc=1
series=0
images=0
jmh_extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) mode=full; series=1 ;;
    --series) series=1 ;;
    --images) images=1 ;;
    --quick) mode=quick ;;
    --no-build) build=0 ;;
    --no-gc) gc=0 ;;
    --) shift; jmh_extra=("$@"); break ;;
    -h|--help) sed -n '2,26p' "$here/run.sh"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

target=fence-benchmarks/target
jar=$target/benchmarks.jar
java=${JAVA_HOME:+$JAVA_HOME/bin/}java

if [[ $build -eq 1 ]]; then
  echo "== building (./mvnw -q -pl fence-benchmarks -am package -DskipTests)"
  ./mvnw -q -pl fence-benchmarks -am package -DskipTests
fi
if [[ ! -f $jar ]]; then
  echo "run.sh: $jar is missing; run without --no-build" >&2
  exit 1
fi

case $mode in
  quick) jmh_opts=(-f 1 -wi 3 -w 1s -i 5 -r 1s); series_opts=(-f 1 -wi 2 -w 500ms -i 3 -r 500ms) ;;
  full)  jmh_opts=(-f 3 -wi 5 -w 2s -i 5 -r 2s); series_opts=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
esac
# Average time in ns/op everywhere; a fixed, pre-touched heap so that every fork sizes the same
# and no page faults of a fresh heap land in a measurement.
common=(-bm avgt -tu ns -jvmArgsAppend "-Xms2g -Xmx2g -XX:+AlwaysPreTouch" -rf json)
if [[ $gc -eq 1 ]]; then
  common+=(-prof gc)
fi
jmh_opts+=("${common[@]}" -rff "$target/jmh-result.json" -e 'SeriesBenchmark')
series_opts+=("${common[@]}" -rff "$target/jmh-series.json")

command="fence-benchmarks/run.sh"
[[ $mode == full ]] && command+=" --full"
[[ $build -eq 0 ]] && command+=" --no-build"
[[ $gc -eq 0 ]] && command+=" --no-gc"
[[ $series -eq 1 && $mode != full ]] && command+=" --series"
[[ $images -eq 1 ]] && command+=" --images"
[[ ${#jmh_extra[@]} -gt 0 ]] && command+=" -- ${jmh_extra[*]}"

echo "== JMH, $mode mode: ${jmh_opts[*]} ${jmh_extra[*]:-}"
rm -f "$target/jmh-result.json"
"$java" -jar "$jar" "${jmh_opts[@]}" ${jmh_extra[@]+"${jmh_extra[@]}"} 2>&1 | tee "$target/jmh.log"
if [[ ! -s $target/jmh-result.json ]]; then
  echo "run.sh: JMH wrote no result file (see $target/jmh.log)" >&2
  exit 1
fi

rm -f "$target/jmh-series.json"
if [[ $series -eq 1 ]]; then
  echo "== JMH series, $mode mode: ${series_opts[*]} ${jmh_extra[*]:-}"
  # Everything but the series is excluded, so a regex after -- picks among the series too.
  "$java" -jar "$jar" "${series_opts[@]}" -e '^(?!.*SeriesBenchmark)' \
    ${jmh_extra[@]+"${jmh_extra[@]}"} 2>&1 | tee "$target/jmh-series.log" || true
  [[ -s $target/jmh-series.json ]] || echo "run.sh: the series run wrote no results" >&2
fi

echo "== footprint (JOL)"
"$java" -Djdk.attach.allowAttachSelf=true -cp "$jar" org.fence4j.benchmarks.Footprint \
  "$target/footprint.csv" > "$target/footprint.txt" 2>&1
tail -n 4 "$target/footprint.txt"

echo "== ratios"
report_opts=(--jmh "$target/jmh-result.json" --footprint "$target/footprint.csv" --out "$target"
  --mode "$mode" --command "$command")
[[ -s $target/jmh-series.json ]] && report_opts+=(--series "$target/jmh-series.json")
[[ $images -eq 1 ]] && report_opts+=(--images docs/images)
"$java" -cp "$jar" org.fence4j.benchmarks.RatioReport "${report_opts[@]}"
echo "== wrote $target/ratios.csv and $target/ratios.md"
if [[ $series -eq 1 ]]; then
  echo "== series charts: $target/series-*.svg$([[ $images -eq 1 ]] && echo ' (copied to docs/images/)')"
fi
