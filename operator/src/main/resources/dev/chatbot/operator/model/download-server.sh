# The Ollama container of the model-downloader Job (Storage.downloadJob), run as `/bin/sh -c`.
# The pull itself runs in the Job's other container (the runtime's `pull` command); it needs an
# Ollama server, and a Job completes only when every container of its pod has exited, so this one
# serves until the pull container writes its last line to the shared file $RESULT (it does for
# every outcome: success, failure, stall, unreachable), then stops. The pull container's exit code
# decides whether the pod succeeded; this one exits 0 once the pull is done, 1 if the server died.
#
# This leading comment block is for readers and shellcheck only: the Job runs the lines below it.
# Any change to them changes the Job's name (it is a hash of the Job's spec), so existing chatbots
# get a new Job instead of failing on the old one's immutable pod template.
# shellcheck shell=sh
set -u
LOG=${TERMINATION_LOG:-/dev/termination-log}
ollama serve &
server=$!
while [ ! -e "$RESULT" ]; do
  if ! kill -0 "$server" 2>/dev/null; then
    wait "$server"
    echo "ollama serve exited with status $? before the pull finished" | tee "$LOG" >&2
    exit 1
  fi
  sleep 1
done
kill "$server" 2>/dev/null
wait "$server"
echo 'pull finished; ollama serve stopped' >"$LOG"
exit 0
