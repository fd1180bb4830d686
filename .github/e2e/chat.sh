#!/usr/bin/env bash
# Sends one chat message through a chatbot's frontend Service (kubectl port-forward to its port 80)
# and checks the answer: a non-empty reply, and each further argument as an extended regex.
# Usage: chat.sh SERVICE [PATTERN...]
set -euo pipefail
service=$1
shift
kubectl port-forward "svc/$service" 18080:80 >/tmp/port-forward.log 2>&1 &
forward=$!
trap 'kill "$forward" 2>/dev/null || true' EXIT
reply=""
for _ in $(seq 1 30); do
  if reply=$(curl -sf -X POST -H 'Content-Type: application/json' \
      -d '{"message":"hello"}' http://127.0.0.1:18080/api/chat); then
    break
  fi
  sleep 1
done
echo "$reply"
for pattern in '"reply" *: *"[^"]+' "$@"; do
  if ! grep -Eq "$pattern" <<<"$reply"; then
    echo "chat.sh: the answer does not match $pattern" >&2
    exit 1
  fi
done
