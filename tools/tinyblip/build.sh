#!/usr/bin/env bash
# Rebuilds models/tiny-blip2 from scratch with a fixed seed: fetch the emoji
# data, train (stage 1, LM, stage 2), export the bundle and golden outputs,
# evaluate on the held-out apple images (eval.json, docs/model-card.md).
# About 95 minutes of training plus 15 of export and eval on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${QSEARCH_CACHE:-$HOME/.cache/qsearch}"
work="${TINYBLIP_WORK:-$cache/tinyblip-run}"
py=/usr/bin/python3
cd "$root/tools/tinyblip"
$py fetch_data.py --cache "$cache"
rm -f "$work/train_log.jsonl"
$py train.py --cache "$cache" --work "$work" --stage1-steps 3000 --lm-steps 800 --stage2-steps 1500
$py export.py --cache "$cache" --work "$work" --out "$root/models/tiny-blip2"
$py evaluate.py --cache "$cache" --work "$work" --out "$root/models/tiny-blip2" \
  --card "$root/docs/model-card.md"
