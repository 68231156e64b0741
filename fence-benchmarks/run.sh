#!/usr/bin/env bash
# Runs every fence4j benchmark pair side by side with its peers, then the JOL footprint program,
# and writes fence-benchmarks/target/ratios.csv (pair,fence4j_ns,peer,peer_ns,ratio).
#
# Usage: fence-benchmarks/run.sh [--full] [--no-build] [--no-gc] [-- JMH arguments...]
#   (default)   quick mode: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement; about 5 minutes on
#               2 cores plus the build. Good for spotting a regression, not for publishing.
#   --full      3 forks, 5 x 2 s warm-up, 5 x 2 s measurement; about 40 minutes. The numbers in
#               docs/BENCHMARKS.md come from this mode.
#   --no-build  use the existing fence-benchmarks/target/benchmarks.jar.
#   --no-gc     leave out JMH's gc profiler (on by default: it writes target/alloc.csv and checks
#               that signal() without callbacks allocates nothing).
#   -- ...      everything after -- goes to JMH, e.g. a benchmark regex or -prof stack.
#
# Outputs in fence-benchmarks/target/: jmh-result.json (JMH's JSON), jmh.log (its text output),
# footprint.txt / footprint.csv (JOL), ratios.csv, ratios.md (the tables for docs/BENCHMARKS.md)
# and alloc.csv (bytes per operation of every benchmark, with the gc profiler).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
cd "$root"

mode=quick
build=1
gc=1
jmh_extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) mode=full ;;
    --quick) mode=quick ;;
    --no-build) build=0 ;;
    --no-gc) gc=0 ;;
    --) shift; jmh_extra=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$here/run.sh"; exit 0 ;;
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
  quick) jmh_opts=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
  full)  jmh_opts=(-f 3 -wi 5 -w 2s -i 5 -r 2s) ;;
esac
# Average time in ns/op everywhere; a fixed, pre-touched heap so that every fork sizes the same
# and no page faults of a fresh heap land in a measurement.
jmh_opts+=(-bm avgt -tu ns -jvmArgsAppend "-Xms2g -Xmx2g -XX:+AlwaysPreTouch" -rf json -rff "$target/jmh-result.json")
if [[ $gc -eq 1 ]]; then
  jmh_opts+=(-prof gc)
fi

command="fence-benchmarks/run.sh"
[[ $mode == full ]] && command+=" --full"
[[ $build -eq 0 ]] && command+=" --no-build"
[[ $gc -eq 0 ]] && command+=" --no-gc"
[[ ${#jmh_extra[@]} -gt 0 ]] && command+=" -- ${jmh_extra[*]}"

echo "== JMH, $mode mode: ${jmh_opts[*]} ${jmh_extra[*]:-}"
rm -f "$target/jmh-result.json"
"$java" -jar "$jar" "${jmh_opts[@]}" ${jmh_extra[@]+"${jmh_extra[@]}"} 2>&1 | tee "$target/jmh.log"
if [[ ! -s $target/jmh-result.json ]]; then
  echo "run.sh: JMH wrote no result file (see $target/jmh.log)" >&2
  exit 1
fi

echo "== footprint (JOL)"
"$java" -Djdk.attach.allowAttachSelf=true -cp "$jar" org.fence4j.benchmarks.Footprint \
  "$target/footprint.csv" > "$target/footprint.txt" 2>&1
tail -n 4 "$target/footprint.txt"

echo "== ratios"
"$java" -cp "$jar" org.fence4j.benchmarks.RatioReport --jmh "$target/jmh-result.json" \
  --footprint "$target/footprint.csv" --out "$target" --mode "$mode" --command "$command"
echo "== wrote $target/ratios.csv and $target/ratios.md"
