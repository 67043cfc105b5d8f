#!/usr/bin/env bash
# The whole benchmark suite in one run, written as one report: PREFIX.md and PREFIX.json
# (default docs/benchmarks). Sections: 1-2 ANN for max-over-32 beside FAISS and hnswlib on
# the same vectors, 3 encoder, bulk indexing and captions, 4 query pipeline steps, 5 the
# server under load (wrk).
#
#   bench/all.sh --quick             # about 5 minutes: a 2,000-image collection, short runs
#   bench/all.sh                     # full: 10k and 100k images; an hour or more, run it in the background
#   bench/all.sh --sizes 10000 --out /tmp/bench   # full settings at chosen collection sizes
#   bench/all.sh --resume DIR        # after a failure: reuse the reports in DIR, run the rest
#
# Needs the tiny model's data (tools/tinyblip/fetch_data.py, as `bin/qsearch demo` fetches it),
# Debian's python3-faiss, python3-hnswlib, python3-pil and wrk. Generated collections are kept
# in WORK (default ~/.cache/qsearch/bench) and reused by later runs; indexes are built by each
# run (in seconds at the sample size), so none is ever in an older index layout.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0; sizes=""; sections=""; out="$home/docs/benchmarks"; work="${QSEARCH_BENCH_WORK:-$HOME/.cache/qsearch/bench}"
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --sizes) sizes="${2:?}"; shift ;;
    --out) out="${2:?}"; shift ;;
    --work) work="${2:?}"; shift ;;
    --resume) sections="${2:?}"; shift ;;
    *) echo "usage: bench/all.sh [--quick] [--sizes N,N] [--out PREFIX] [--work DIR] [--resume DIR]" >&2; exit 2 ;;
  esac
  shift
done
cache="${QSEARCH_CACHE:-$HOME/.cache/qsearch}"
py=/usr/bin/python3
for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "bench/all.sh: $tool is not installed" >&2; exit 1; }; done
$py -c 'import faiss, hnswlib, PIL' || { echo "bench/all.sh: needs python3-faiss python3-hnswlib python3-pil" >&2; exit 1; }

if [ "$quick" = 1 ]; then
  sizes="${sizes:-2000}"; sample=200; ann_flags=(--quick --over-fetch 1,5,20,50 --rounds 1); encoder_flags=(--batches 1,8 --rounds 2)
  index_flags=(--graphs auto --formats float32,int8); pipeline_flags=(--limit 20 --caption-images 8)
  wrk_duration=5s; export WARMUP=5s
else
  sizes="${sizes:-10000,100000}"; sample=2000; ann_flags=(--over-fetch 1,5,10,20,50,100 --rounds 3); encoder_flags=(--rounds 5)
  index_flags=(--graphs all,auto); pipeline_flags=(--limit 200 --caption-images 20)
  wrk_duration=60s
fi
# --resume DIR: a failed run's reports (it names DIR); the steps whose report is there are skipped
sections="${sections:-$(mktemp -d)}"
done_already() { [ -s "$sections/$1" ] && echo "bench/all.sh: $1 is there already, kept" >&2; }
step() { echo "bench/all.sh: $* (${SECONDS} s since the start)" >&2; }
finish() {
  local rc=$?
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null
  if [ "$rc" = 0 ]; then rm -rf "$sections"; else echo "bench/all.sh: failed (exit $rc); the reports so far are in $sections" >&2; fi
}
trap finish EXIT
mkdir -p "$work"
"$home/bin/qsearch" --help >/dev/null  # builds the distribution once, before anything is timed
$py "$home/tools/tinyblip/fetch_data.py" --cache "$cache" >&2

step collections
# Collections: augmented renders of the training emoji, made once per size (fixed seed).
for n in ${sizes//,/ }; do
  if [ ! -s "$work/ann-$n/queries.txt" ]; then
    $py "$home/tools/bench/ann_collection.py" --cache "$cache" --out "$work/ann-$n" --images "$n" >&2
  fi
done
smallest="$work/ann-${sizes%%,*}"
queries="$smallest/queries.txt"

step ANN
# 1-2. ANN, each index merged to one segment (one HNSW graph, as each peer builds): every format
# and graph on the first size; above it the auto graph alone, float32 and int8 (the all graph
# takes hours to build there and its recall already fails at the first size; int4 and int1
# follow int8 there).
for n in ${sizes//,/ }; do
  graphs=all,auto; formats=float32,int8,int4,int1
  [ "$work/ann-$n" = "$smallest" ] || { graphs=auto; formats=float32,int8; }
  [ "$quick" = 1 ] && graphs=auto
  heap=$(( n / 100000 * 4 + 4 ))  # GB: the vectors twice (as encoded, and unpacked for the exact top 10) and Lucene's buffers
  done_already "ann-$n.json" || QSEARCH_JAVA_OPTS="-Xmx${heap}g" "$home/bin/qsearch" bench ann --collection "$work/ann-$n" --graphs "$graphs" \
    --formats "$formats" --merge-to 1 "${ann_flags[@]}" --out "$sections/ann-$n" > /dev/null
done

# 3-5 run on a copy of the first $sample images of the smallest collection (the indexer skips symbolic links).
images="$work/sample-$sample"
if [ ! -d "$images" ]; then
  mkdir -p "$images.tmp"
  ls "$smallest/images" | sed -n "1,${sample}p" | while read -r f; do cp "$smallest/images/$f" "$images.tmp/"; done
  mv "$images.tmp" "$images"
fi
step encoder
done_already encoder.json || "$home/bin/qsearch" bench encoder --images "$images" --texts "$queries" "${encoder_flags[@]}" \
  --out "$sections/encoder" > /dev/null
step bulk indexing
done_already index.json || "$home/bin/qsearch" bench index --images "$images" --queries "$queries" "${index_flags[@]}" \
  --out "$sections/index" > /dev/null

step query pipeline
index="$sections/index-$sample"
for features in stored recompute; do
  if [ ! -d "$index-$features" ]; then
    "$home/bin/qsearch" index --index "$index-$features.tmp" --input "$images" --features "$features" >&2
    mv "$index-$features.tmp" "$index-$features"
  fi
done
done_already pipeline.json || "$home/bin/qsearch" bench pipeline --index "$index-stored" --root "$images" --recompute-index "$index-recompute" \
  --queries "$queries" "${pipeline_flags[@]}" --out "$sections/pipeline" > /dev/null

step server under load
if ! done_already serve/wrk.json; then
  port="$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$home/bin/qsearch" serve --index "$index-stored" --root "$images" --port "$port" > "$sections/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 120); do
    curl -fsS "http://127.0.0.1:$port/api/health" > /dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$sections/serve.log" >&2; exit 1; }
    sleep 1
  done
  "$home/bench/wrk-search.sh" "http://127.0.0.1:$port" "$sections/serve" "$wrk_duration" 1,4,16 128 >&2
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
fi

step report
"$home/bin/qsearch" bench report --sections "$sections" --suite-command "bench/all.sh ${args[*]}" --out "$out"
