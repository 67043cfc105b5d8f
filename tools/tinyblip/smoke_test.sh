#!/usr/bin/env bash
# Fast smoke path of the tiny-model tools: fetch data (cached), train a tiny
# config for a few steps (every stage, with a checkpoint and resume), choose
# the rerank defaults on a slice of validation, export a bundle (onnx.checker runs in export), then
# run the Java golden-parity tests against that fresh bundle, and against its
# float16 conversion (tools/bundle/fp16_bundle.py: float16 graph I/O and
# weights, checked against the float32 goldens within 1e-2). About 2.5 minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${QSEARCH_CACHE:-$HOME/.cache/qsearch}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py="$root/tools/python"
cd "$root/tools/tinyblip"
$py fetch_data.py --cache "$cache"
$py train.py --cache "$cache" --work "$work/run" --smoke --batch 16 --trunk-batch 16 \
  --trunk-steps 10 --stage1-steps 10 --lm-steps 10 --stage2-steps 10 --log-every 5 --ckpt-every 5 \
  >"$work/train.log"
$py choose_rerank.py --cache "$cache" --work "$work/run" --limit 8 >"$work/rerank.log"
$py export.py --cache "$cache" --work "$work/run" --out "$work/bundle" 2>"$work/export.err" \
  || { cat "$work/export.err" >&2; exit 1; }
cd "$root"
$py tools/bundle/fp16_bundle.py "$work/bundle" "$work/bundle-fp16" >"$work/fp16.log" \
  || { cat "$work/fp16.log" >&2; exit 1; }
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -B -q -pl encoder test -Dtest=GoldenParityTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dqsearch.test.bundle="$work/bundle"
./mvnw -B -q -pl encoder test -Dtest=GoldenParityTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dqsearch.test.bundle="$work/bundle-fp16"
echo "tinyblip smoke: trained, exported, checked, Java parity passed (float32 and float16)"
