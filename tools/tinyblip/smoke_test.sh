#!/usr/bin/env bash
# Fast smoke path of the tiny-model tools: fetch data (cached), train a tiny
# config for a few steps, export a bundle (onnx.checker runs in export), then
# run the Java golden-parity tests against that fresh bundle. About 2 minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${QSEARCH_CACHE:-$HOME/.cache/qsearch}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
cd "$root/tools/tinyblip"
$py fetch_data.py --cache "$cache"
$py train.py --cache "$cache" --work "$work/run" --smoke --batch 16 \
  --stage1-steps 10 --lm-steps 10 --stage2-steps 10 --log-every 5 >"$work/train.log"
$py export.py --cache "$cache" --work "$work/run" --out "$work/bundle" 2>"$work/export.err" \
  || { cat "$work/export.err" >&2; exit 1; }
cd "$root"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -B -q -pl encoder test -Dtest=GoldenParityTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dqsearch.test.bundle="$work/bundle"
echo "tinyblip smoke: trained, exported, checked, Java parity passed"
