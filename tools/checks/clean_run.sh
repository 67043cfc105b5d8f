#!/usr/bin/env bash
# A qsearch command, run to the end or SIGKILLed, leaves nothing in the temp folders (no ONNX
# Runtime libraries extracted per JVM, no mat-debug-PID.log) and says nothing on stderr that a
# user need not act on (no incubator warning, no DJL GPU probe, no INFO lines). The runs get a
# temp folder of their own ($TMPDIR and java.io.tmpdir), so what other processes put in /tmp
# at the same time does not count.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch="$(mktemp -d)"
server=""
cleanup() {
  [ -z "$server" ] || kill -9 "$server" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -p "$scratch/tmp" "$scratch/photos"
cp encoder/src/test/resources/preprocess/img_02_png-rgba.png encoder/src/test/resources/preprocess/img_09_png-rgb.png "$scratch/photos/"
export TMPDIR="$scratch/tmp" QSEARCH_JAVA_OPTS="-Djava.io.tmpdir=$scratch/tmp"
failed=0
fail() { echo "clean_run: $*" >&2; failed=1; }
temp_is_empty() {
  local left
  # .ses: ONNX Runtime's telemetry session, one small file per temp folder that every run reuses
  left="$(ls -A "$scratch/tmp" | grep -v '^\.ses$' || true)"
  [ -z "$left" ] || fail "$1 left in the temp folder: $left"
}

bin/qsearch embed --text "a red heart" > "$scratch/embed.json" 2> "$scratch/embed.err"
[ ! -s "$scratch/embed.err" ] || fail "embed wrote to stderr: $(cat "$scratch/embed.err")"
temp_is_empty "embed"

bin/qsearch index --index "$scratch/index" --input "$scratch/photos" > "$scratch/index.json" 2> "$scratch/index.err"
# the progress bar and the summary are the index command's stderr; nothing else may be
if grep -v -e '^indexing: ' -e '^indexed ' -e '^qsearch: query means' "$scratch/index.err" | tr '\r' '\n' \
    | grep -v -e '^indexing: ' -e '^$' > "$scratch/index.noise"; then
  fail "index wrote more than its progress to stderr: $(cat "$scratch/index.noise")"
fi
temp_is_empty "index"

# a server killed while it runs: nothing of it may stay behind
port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
bin/qsearch serve --index "$scratch/index" --port "$port" > "$scratch/serve.out" 2> "$scratch/serve.err" &
server=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/api/health" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/api/health" > /dev/null || fail "the server did not answer: $(cat "$scratch/serve.err")"
kill -9 "$server"
wait "$server" 2>/dev/null || true
server=""
temp_is_empty "a killed serve"

[ "$failed" = 0 ] && echo "clean_run: nothing left in the temp folder, nothing on stderr"
exit "$failed"
