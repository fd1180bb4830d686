#!/usr/bin/env bash
# Runs the benchmark (docs/BENCHMARKS.md). Needs wrk, python3-fastapi, python3-uvicorn (Debian).
# Usage: bench/run.sh [--no-build] [bench.py options, e.g. --duration 10 --connections 64]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-build" ]; then
  shift
else
  rm -rf chatbot-runtime/target/lib
  ./mvnw -q -B -pl chatbot-runtime -DskipTests -Dspotless.check.skip=true package \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=target/lib
fi
# Run on the image's jlink'ed runtime when it can be built (Debian's openjdk-17-jdk-headless).
if [ ! -x chatbot-runtime/target/jib-runtime/opt/java/bin/java ] && [ -d /usr/lib/jvm/java-17-openjdk-amd64/jmods ]; then
  bash chatbot-runtime/src/main/jib-runtime/make-runtime.sh chatbot-runtime/target/jib-runtime >&2
fi
for tool in wrk /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk python3-fastapi python3-uvicorn" >&2; exit 1; }
done
exec python3 bench/bench.py "$@"
