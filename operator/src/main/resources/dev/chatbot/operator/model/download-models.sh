# The model downloader of the local phase, run by its Job as `/bin/sh -c` (Storage.downloadJob).
# Ollama's CLI needs a running server, so start one, pull each model that is not there yet, and
# fail on the first model that does not pull (the CLI turns an error line inside a 200 response
# into a non-zero exit; `ollama show` confirms the model really landed). The termination log says
# which model failed, or that all are ready.
#
# This leading comment block is for readers and shellcheck only: the Job runs the lines below it,
# unchanged since the script lived in Java, because a Job's pod template cannot change once the
# Job exists (a changed script would fail every reconcile of an existing local chatbot).
# shellcheck shell=sh
# shellcheck disable=SC2034 # `i` only bounds the wait for the server
set -eu
LOG=${TERMINATION_LOG:-/dev/termination-log}
ollama serve >/tmp/ollama.log 2>&1 &
server=$!
ready=0
for i in $(seq 1 120); do
  if ollama list >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
if [ "$ready" != 1 ]; then echo 'ollama serve did not start' >&2; cat /tmp/ollama.log >&2; exit 1; fi
for model in $MODELS; do
  if ollama show "$model" >/dev/null 2>&1; then
    echo "model $model: already present, skipped"
    continue
  fi
  echo "model $model: downloading"
  if ! ollama pull "$model"; then
    echo "model $model: failed" | tee "$LOG" >&2
    exit 1
  fi
  if ! ollama show "$model" >/dev/null 2>&1; then
    echo "model $model: pull reported success but the model is missing" | tee "$LOG" >&2
    exit 1
  fi
  echo "model $model: ready"
done
kill "$server"
echo "all models ready: $MODELS" > "$LOG"
