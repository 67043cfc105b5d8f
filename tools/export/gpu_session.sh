#!/usr/bin/env bash
# What a session with the GPU machine runs (it has torch, transformers, onnx,
# onnxruntime-gpu, no network, no Java). Usage, from the repository root:
#
#   tools/export/gpu_session.sh OUTDIR
#
# 1. writes a random-init small BLIP-2 pair (tools/export/random_model.py),
# 2. exports it with the real HF classes into OUTDIR/hf-random-blip2 (float32,
#    with golden outputs from HF for the Java parity tests) and runs parity
#    (HF vs ONNX Runtime CPU and CUDA; fails above 1e-4),
# 3. exports it in float16 on CUDA and runs parity (1e-2 of the tensor scale),
# 4. times a ViT-g-shaped vision graph on CUDA at batch 1/8/32/64
#    (OUTDIR/vit-g-cuda.json: images/s, TFLOP/s, share of the fp16 peak).
#
# Bring OUTDIR back, copy OUTDIR/hf-random-blip2 to models/hf-random-blip2 and
# run the Java golden-parity test on it here:
#   ./mvnw -B -q -pl encoder test -Dtest=GoldenParityTest \
#     -Dsurefire.failIfNoSpecifiedTests=false -Dqsearch.test.bundle=models/hf-random-blip2
set -euo pipefail
out="${1:?usage: tools/export/gpu_session.sh OUTDIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PYTHON="${PYTHON:-python3}"
py="$root/tools/python"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
log() { echo "== $*" | tee -a "$out/session.log"; }
{
  nvidia-smi || true
  $py -c 'import torch, transformers, onnx, onnxruntime as o; print("torch", torch.__version__, "cuda", torch.version.cuda, "transformers", transformers.__version__, "onnx", onnx.__version__, "onnxruntime", o.__version__, o.get_available_providers())'
} 2>&1 | tee "$out/versions.txt"

ckpt="$(mktemp -d)"
trap 'rm -rf "$ckpt"' EXIT
images=(models/tiny-blip2/golden/image_0.png models/tiny-blip2/golden/image_1.png
        models/tiny-blip2/golden/image_2.png models/tiny-blip2/golden/image_3.png)

log "random-init checkpoints"
$py tools/export/random_model.py --out "$ckpt"

log "float32 export with HF goldens"
$py tools/export/hf_export.py --itm "$ckpt/itm" --caption "$ckpt/caption" --out "$out/hf-random-blip2" \
  --name hf-random-blip2 --golden-images "${images[@]}" 2>&1 | tee -a "$out/session.log"

status=0
log "parity float32, ONNX Runtime CPU"
$py tools/export/parity.py --itm "$ckpt/itm" --caption "$ckpt/caption" --bundle "$out/hf-random-blip2" \
  --images "${images[@]}" --report "$out/parity-fp32-cpu.json" 2>&1 | tee -a "$out/session.log" || status=1
log "parity float32, ONNX Runtime CUDA"
$py tools/export/parity.py --itm "$ckpt/itm" --caption "$ckpt/caption" --bundle "$out/hf-random-blip2" \
  --images "${images[@]}" --device cuda --report "$out/parity-fp32-cuda.json" 2>&1 | tee -a "$out/session.log" || status=1

log "float16 export on CUDA"
$py tools/export/hf_export.py --itm "$ckpt/itm" --caption "$ckpt/caption" --out "$ckpt/hf-random-blip2-fp16" \
  --name hf-random-blip2-fp16 --fp16 --device cuda 2>&1 | tee -a "$out/session.log"
log "parity float16, ONNX Runtime CUDA"
$py tools/export/parity.py --itm "$ckpt/itm" --caption "$ckpt/caption" --bundle "$ckpt/hf-random-blip2-fp16" \
  --images "${images[@]}" --device cuda --report "$out/parity-fp16-cuda.json" 2>&1 | tee -a "$out/session.log" || status=1

log "ViT-g-shaped vision graph on CUDA"
$py tools/export/vit_bench.py --out "$out/vit-g-cuda.json" --batches 1 8 32 64 2>&1 | tee -a "$out/session.log"

du -sh "$out/hf-random-blip2" | tee -a "$out/session.log"
log "done (parity status $status)"
exit $status
