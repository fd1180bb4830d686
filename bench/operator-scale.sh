#!/usr/bin/env bash
# The operator at scale (docs/BENCHMARKS.md, "Operator at scale"). Self-contained: for each N it
# starts its own etcd + kube-apiserver v1.20.2 (hack/envtest.sh install provides them), the
# benchmark's kubelet stand-in and the operator jar as the chart runs it, all on loopback, creates
# N mock-phase ChatbotDeployments in 4 namespaces at once, measures, and stops everything. Prints
# one table (also written to bench/target/operator-scale/<time>/table.md).
#
#   bench/operator-scale.sh [--no-build] [options]
#     --counts 100,1000,3000     chatbot counts, one fresh control plane each (default)
#     --phase-change-at 1000     N whose chatbots all move mock -> huggingface at the end (0: none)
#     --memory-limit 512Mi       the container limit to emulate (default: the chart's
#                                resources.limits.memory in helm/chatbot-operator/values.yaml)
#     --jvm-flag FLAG            an extra operator JVM flag (repeatable), e.g. -XX:+UseG1GC;
#                                "{name}" in it becomes operator-1 or operator-2, e.g. for
#                                -XX:StartFlightRecording=filename=/tmp/{name}.jfr,settings=profile
#     --env NAME=VALUE           an extra environment variable of the operator (repeatable), as
#                                the chart's `env` value sets it, after the image's own (the Jib
#                                <environment> of operator/pom.xml), e.g. MALLOC_ARENA_MAX=4
#     --java PATH                the operator's java (default: the image's jlink'ed runtime)
#     --timeout 900              seconds to wait for convergence per step
#     --label TEXT               a name for this run in the table header
#     --keep-audit               keep the API server's audit logs (large at N = 3000)
#
# Needs: hack/envtest.sh install (once), openssl, Java 17 with jmods (openjdk-17-jdk-headless).
set -euo pipefail
# Every Kubernetes daemon started from here (and its children) must not call the cloud metadata
# address 169.254.169.254: traffic stays on loopback and 198.18.0.0/15.
export AWS_EC2_METADATA_DISABLED=true
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-build" ]; then
  shift
else
  # Test classes too: the benchmark starts its control plane with the test tier's ApiServer.
  ./mvnw -q -B -pl crd,operator -am package -DskipTests -Dspotless.check.skip=true \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/bench/target/test-classpath.txt"
fi
hack/envtest.sh check >/dev/null || { echo "run hack/envtest.sh install first" >&2; exit 1; }
JDK=${JLINK_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
# The operator image's Java runtime (the image profile builds the same tree), so the figures are
# those of the image's JVM.
if [ ! -x operator/target/jib-runtime/opt/java/bin/java ] && [ -d "$JDK/jmods" ]; then
  JLINK_EXTRA_MODULES=jdk.httpserver bash chatbot-runtime/src/main/jib-runtime/make-runtime.sh \
    operator/target/jib-runtime >&2
fi
out=bench/target/operator-scale/classes
rm -rf "$out"
mkdir -p "$out"
[ -s bench/target/test-classpath.txt ] && [ -d operator/target/test-classes ] ||
  { echo "run without --no-build first (operator test classes and their classpath)" >&2; exit 1; }
cp="operator/target/test-classes:$(cat bench/target/test-classpath.txt)"
"$JDK/bin/javac" -nowarn -d "$out" -cp "$cp" $(find bench/operator-scale/src -name '*.java')
cp bench/operator-scale/logback.xml "$out/"
# The harness (stand-in, creator, watchers) shares the two cores: C1 only, little JIT work.
exec "$JDK/bin/java" -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$out:$cp" dev.chatbot.bench.OperatorScale \
  --repo "$PWD" --jcmd "$JDK/bin/jcmd" "$@"
