#!/usr/bin/env bash
# Reproducible-build check: builds the published artifacts of the library modules twice, each time
# from clean (-Prelease, tests not even compiled: the jars, sources jars and Javadoc jars), and fails unless the
# two builds' jars are byte for byte identical. Every jar's time stamps come from
# project.build.outputTimestamp in the parent POM. Also checks that each library jar's manifest
# carries Implementation-Title and Implementation-Version. About a minute on 2 cores.
#   .ci/reproducible.sh            uses the JDK on the PATH (JAVA_HOME); compare builds of one JDK
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(fence-core reservation fence-sync-file fence-testlib)
[[ -d fence-syncobj ]] && modules+=(fence-syncobj)
pl=$(IFS=,; echo "${modules[*]}")
# Error Prone does not change the bytecode; leave it out to keep the check short.
args=(-B -ntp -q -Prelease -Dmaven.test.skip=true -Derrorprone.skip=true -pl "$pl" clean package)

jars() { # the published jars of the library modules, one path per line
  for m in "${modules[@]}"; do
    ls "$m"/target/*.jar
  done
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "reproducible: build 1 of 2 (${modules[*]})"
# Offline when everything is in the local repository already; online the first time.
./mvnw -o "${args[@]}" 2>/dev/null || ./mvnw "${args[@]}"
mkdir -p "$work/1"
n=0
while read -r jar; do
  mkdir -p "$work/1/$(dirname "$jar")"
  cp "$jar" "$work/1/$jar"
  n=$((n + 1))
done < <(jars)
expected=$((3 * ${#modules[@]}))
if [[ $n -ne $expected ]]; then
  echo "reproducible: expected $expected jars (jar, sources, javadoc per module), found $n:" >&2
  jars >&2
  exit 1
fi

echo "reproducible: build 2 of 2"
./mvnw -o "${args[@]}"

failed=0
while read -r jar; do
  if ! cmp -s "$jar" "$work/1/$jar"; then
    echo "reproducible: $jar differs between the two builds; entries that differ:" >&2
    diff <(unzip -v "$work/1/$jar" | sed 1d) <(unzip -v "$jar" | sed 1d) >&2 || true
    failed=1
  fi
done < <(jars)

for m in "${modules[@]}"; do
  jar=$(ls "$m"/target/*.jar | grep -Ev -- '-(sources|javadoc)\.jar$')
  manifest=$(unzip -p "$jar" META-INF/MANIFEST.MF)
  for key in Implementation-Title Implementation-Version; do
    if ! grep -q "^$key: " <<<"$manifest"; then
      echo "reproducible: $jar has no $key in its manifest" >&2
      failed=1
    fi
  done
done

if [[ $failed -ne 0 ]]; then
  exit 1
fi
echo "reproducible: $n jars identical across two clean builds"
