#!/usr/bin/env bash
# Runs the runtime benchmark (docs/BENCHMARKS.md) and writes chatbot-runtime/target/bench/results.md.
# Needs (Debian): wrk python3-fastapi python3-uvicorn python3-uvloop python3-httptools, and
# openjdk-17-jdk-headless (its jmods make the image's jlink'ed runtime).
# Usage: bench/run.sh [--no-build] [--jdk DIR] [bench.py options, e.g. --rounds 5 --levels 32 64]
#   --jdk DIR   jlink the runtime from that JDK instead (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail
cd "$(dirname "$0")/.."
build=1 jdk=/usr/lib/jvm/java-17-openjdk-amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --jdk) jdk=$2; shift 2 ;;
    *) break ;;
  esac
done
for tool in wrk /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk python3-fastapi python3-uvicorn python3-uvloop python3-httptools" >&2; exit 1; }
done
/usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null \
  || { echo "missing: apt-get install python3-fastapi python3-uvicorn python3-uvloop python3-httptools" >&2; exit 1; }
if [ $build = 1 ]; then
  # package puts the jar and target/lib (its manifest class path) in place.
  ./mvnw -q -B -pl chatbot-runtime -DskipTests -Dspotless.check.skip=true package
fi
# The image's Java runtime, jlink'ed once per JDK (the same tree the image gets).
runtime=chatbot-runtime/target/jib-runtime-$(basename "$jdk")
if [ ! -x "$runtime/opt/java/bin/java" ]; then
  JLINK_JDK=$jdk bash chatbot-runtime/src/main/jib-runtime/make-runtime.sh "$runtime" >&2
fi
exec /usr/bin/python3 bench/bench.py --java "$runtime/opt/java/bin/java" "$@"
