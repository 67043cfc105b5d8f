#!/usr/bin/env bash
# Time from `bin/qsearch demo` to its first search result, for a fresh index and for a second run.
#   bench/demo-first-result.sh CACHE_DIR [PORT=7070] [--fresh-fetch]
# The fresh run deletes CACHE_DIR/demo (the collection and its index) first; with --fresh-fetch
# it deletes CACHE_DIR/npm/emoji-datasource-apple too, so the time includes `npm pack`.
# Prints one line per run and writes CACHE_DIR/first-result.json.
set -euo pipefail
cache="${1:?cache directory}"; port="${2:-7070}"; fetch="${3:-}"
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$cache"
rm -rf "$cache/demo"
[ "$fetch" = --fresh-fetch ] && rm -rf "$cache/npm/emoji-datasource-apple"
"$home/bin/qsearch" --help >/dev/null   # build the distribution first: not part of the demo's time

run() {
  local label="$1" start pid now
  start=$(date +%s.%N)
  QSEARCH_CACHE="$cache" "$home/bin/qsearch" demo --no-open --port "$port" >"$cache/demo-$label.out" 2>"$cache/demo-$label.err" &
  pid=$!
  until curl -fsS -o /dev/null -XPOST "http://127.0.0.1:$port/api/search" -H 'Content-Type: application/json' \
        -d '{"text": "red heart", "k": 5}' 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "the demo exited: see $cache/demo-$label.err" >&2; exit 1; }
    sleep 0.25
  done
  now=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local seconds; seconds=$(awk "BEGIN { printf \"%.1f\", $now - $start }")
  echo "$label run: first result after $seconds s" >&2
  printf '"%s_seconds": %s' "$label" "$seconds"
}
fresh="$(run fresh)"
second="$(run second)"
echo "{$fresh, $second}" | tee "$cache/first-result.json"
