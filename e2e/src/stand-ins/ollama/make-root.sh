#!/usr/bin/env bash
# Lays out what the Ollama stand-in image adds to the chatbot-runtime image (e2e/pom.xml, profile
# `image`): a static shell, because the operator's downloader Job runs `/bin/sh -c SCRIPT` (Debian's
# busybox-static: its `sh` runs seq, sleep, tee, cat and kill as built-ins, no links needed), and the
# `ollama` command on PATH.
set -euo pipefail
OUT=${1:?usage: make-root.sh OUTPUT_DIR [DIR_TO_CREATE...]}
BUSYBOX=${BUSYBOX:-/bin/busybox}
here=$(cd "$(dirname "$0")" && pwd)
# Static: the image has no libc for it (ldd fails on a static binary). The applet list is read
# whole first: `--list | grep -q` under pipefail fails when grep exits before busybox stops writing.
applets=$("$BUSYBOX" --list 2>/dev/null) || applets=""
if ! grep -qx sh <<<"$applets" || ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "make-root.sh: $BUSYBOX is not a static busybox (apt-get install busybox-static)" >&2
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT/bin" "$OUT/usr/bin"
cp "$BUSYBOX" "$OUT/bin/sh"
cp "$here/ollama" "$OUT/usr/bin/ollama"
shift
[ $# -eq 0 ] || mkdir -p "$@"
echo "ollama stand-in root: $OUT (/bin/sh = $("$BUSYBOX" | head -1 | cut -d' ' -f1-2), /usr/bin/ollama)"
