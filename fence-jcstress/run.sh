#!/usr/bin/env bash
# Runs the jcstress tests of fence-core, reservation (WwMutex, ReservationObject) and
# fence-sync-file (SyncFile).
#   fence-jcstress/run.sh            quick mode (CI): a short run of every test
#   fence-jcstress/run.sh --full     the full run, by hand (tens of minutes on 2 cores)
# Extra arguments go to jcstress (for example: -t SignalVsSignal).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(-m quick -jvmArgs "-Xmx256m -XX:+UnlockDiagnosticVMOptions -XX:+StressLCM -XX:+StressGCM")
if [[ "${1:-}" == "--full" ]]; then
  mode=(-m default)
  shift
fi
if [[ ! -f fence-jcstress/target/jcstress.jar || "${JCSTRESS_REBUILD:-1}" == 1 ]]; then
  ./mvnw -q -B -pl fence-jcstress -am package -DskipTests
fi
mkdir -p fence-jcstress/target/results
cd fence-jcstress/target/results
java -jar ../jcstress.jar "${mode[@]}" "$@" | tee ../jcstress-output.txt
# jcstress exits non-zero when a test fails or errs; make sure FORBIDDEN outcomes fail the run too.
if grep -Eq '^\s*\[(FAILED|ERROR)\]' ../jcstress-output.txt; then
  echo "jcstress: failures found" >&2
  exit 1
fi
