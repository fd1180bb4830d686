#!/usr/bin/env bash
# Interleaved A/B of runtime builds or JVM settings (docs/BENCHMARKS.md): each variant runs as the
# image runs it, and wrk rounds alternate between them so that a change in the machine's load
# hits all alike. Prints req/s, server CPU per request and resident memory per round, then medians.
# Usage: bench/ab.sh CONNECTIONS ROUNDS 'label|JAVA|JAR|extra JVM flags' ...
#   JAVA and JAR may be empty: the image's jlink'ed JDK 17 runtime and target's jar (bench/run.sh
#   builds both). Environment: DUR (s per round, 5), WARM (s of warm-up, 8), CHATBOT_* pass through.
# Example: bench/ab.sh 64 5 'j17||' 'j25|chatbot-runtime/target/jib-runtime-temurin-25-jdk-amd64/opt/java/bin/java|'
set -euo pipefail
cd "$(dirname "$0")/.."
conns=$1 rounds=$2
shift 2
flags=$(grep -o '<jvmFlag>[^<]*' chatbot-runtime/pom.xml | sed 's/<jvmFlag>//' | tr '\n' ' ')
labels=() ports=() pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
port=18600
for spec in "$@"; do
  IFS='|' read -r label java jar extra <<<"$spec"
  java=${java:-chatbot-runtime/target/jib-runtime-java-17-openjdk-amd64/opt/java/bin/java}
  jar=${jar:-$(ls chatbot-runtime/target/chatbot-runtime-*.jar)}
  # shellcheck disable=SC2086 # flags are words
  MALLOC_ARENA_MAX=2 PORT=$port CHATBOT_CONFIG_DIR=/nonexistent CHATBOT_CLIENT_REQUESTS_PER_MINUTE=0 CHATBOT_SHUTDOWN_DRAIN_SECONDS=0 \
    "$java" $flags $extra -jar "$jar" >"/tmp/ab-$label.log" 2>&1 &
  pids+=($!) labels+=("$label") ports+=($port)
  port=$((port + 1))
done
for i in "${!ports[@]}"; do
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:${ports[$i]}/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:${ports[$i]}/readyz" >/dev/null \
    || { echo "${labels[$i]} did not start:" >&2; cat "/tmp/ab-${labels[$i]}.log" >&2; exit 1; }
done
for p in "${ports[@]}"; do
  wrk -t2 -c"$conns" -d"${WARM:-8}s" -s bench/post.lua "http://127.0.0.1:$p/api/chat" >/dev/null
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A rps cpu
for r in $(seq "$rounds"); do
  for i in "${!ports[@]}"; do
    pid=${pids[$i]} t0=$(ticks "${pids[$i]}")
    out=$(wrk -t2 -c"$conns" -d"${DUR:-5}s" --latency -s bench/post.lua "http://127.0.0.1:${ports[$i]}/api/chat")
    t1=$(ticks "$pid")
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    rate=$(awk '/Requests\/sec/ {print int($2)}' <<<"$out")
    us=$(( (t1 - t0) * 10000000 / n / 1000 ))  # clock ticks of 10 ms -> microseconds per request
    rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
    rps[$i]="${rps[$i]:-} $rate" cpu[$i]="${cpu[$i]:-} $us"
    echo "round $r ${labels[$i]}: $rate req/s, $us us CPU/req, p99 $(awk '$1 == "99%" {print $2}' <<<"$out"), RSS ${rss} MiB, load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for i in "${!ports[@]}"; do
  echo "${labels[$i]}: median $(median <<<"${rps[$i]}") req/s, $(median <<<"${cpu[$i]}") us CPU/req (rounds:${rps[$i]})"
done
