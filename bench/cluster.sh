#!/usr/bin/env bash
# The scale-out benchmark: starts the project's local two-node OpenSearch cluster
# (tools/opensearch/cluster.sh), measures text->image search on it beside the local index on the
# same vectors (bin/qsearch bench cluster), writes PREFIX.md/PREFIX.json and the scale-out
# section of docs/benchmarks.md, and stops the cluster whatever happens.
#
#   bench/cluster.sh                      # 10,000 images (about 15 minutes on 2 cores)
#   bench/cluster.sh --images 2000 --out /tmp/cluster --no-doc
#
# Needs the tiny model's data (tools/tinyblip/fetch_data.py) for the generated collection, kept
# in WORK (default ~/.cache/qsearch/bench) as bench/all.sh keeps it.
set -euo pipefail
home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
images=10000; out=""; doc="$home/docs/benchmarks.md"; work="${QSEARCH_BENCH_WORK:-$HOME/.cache/qsearch/bench}"
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images="${2:?}"; shift ;;
    --out) out="${2:?}"; shift ;;
    --no-doc) doc="" ;;
    --work) work="${2:?}"; shift ;;
    *) echo "usage: bench/cluster.sh [--images N] [--out PREFIX] [--no-doc] [--work DIR]" >&2; exit 2 ;;
  esac
  shift
done
cache="${QSEARCH_CACHE:-$HOME/.cache/qsearch}"
"$home/bin/qsearch" --help >/dev/null  # builds the distribution once, before anything is timed
collection="$work/ann-$images"
if [ ! -s "$collection/queries.txt" ]; then
  "$home/tools/python" "$home/tools/tinyblip/fetch_data.py" --cache "$cache" >&2
  "$home/tools/python" "$home/tools/bench/ann_collection.py" --cache "$cache" --out "$collection" --images "$images" >&2
fi
# the cluster's files: readable by the nodes' unprivileged user
state="$(mktemp -d /tmp/qsearch-bench-cluster.XXXXXX)"
chmod 755 "$state"
trap '"$home/tools/opensearch/cluster.sh" stop "$state/cluster" || true; rm -rf "$state"' EXIT
eval "$("$home/tools/opensearch/cluster.sh" start "$state/cluster" --owner-pid $$)"
"$home/bin/qsearch" bench cluster --collection "$collection" --images "$images" --url "$URL" \
  --out "${out:-$state/cluster-report}" ${doc:+--doc "$doc"} > /dev/null
echo "bench/cluster.sh: done${doc:+; section 6 of $doc updated}" >&2
