"""Time a ViT-g-shaped BLIP-2 vision trunk (random weights) in ONNX Runtime
on CUDA at several batch sizes, in float16, and put it against the GPU's
float16 tensor-core peak.

    tools/python tools/export/vit_bench.py --out vit-g-cuda.json [--batches 1 8 32 64] [--fp32]

Shape: EVA ViT-g/14 as BLIP-2 uses it (39 blocks, width 1408, MLP 6144, 16
heads, 224 px: 257 tokens); exported like the bundle's vision graph
(embeddings + encoder, no post-norm), weights in external data. Images/s
counts session.run with numpy input and output (host copies included).
FLOPs per image from bundle_spec.vit_flops; peak from bundle_spec.PEAK_FP16_TFLOPS.
Needs torch with CUDA, transformers, onnx, onnxruntime-gpu.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import torch

import bundle_spec as bs
import hf_common as hc

VIT_G = dict(hidden_size=1408, intermediate_size=6144, num_hidden_layers=39, num_attention_heads=16,
             image_size=224, patch_size=14, qkv_bias=True, layer_norm_eps=1e-6)


def gpu_name():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                              text=True, check=True).stdout.strip().splitlines()[0]
    except (OSError, subprocess.CalledProcessError):
        return torch.cuda.get_device_name(0)


def export(path, dtype):
    from transformers import Blip2VisionConfig, Blip2VisionModel
    torch.manual_seed(0)
    vm = Blip2VisionModel(Blip2VisionConfig(**VIT_G)).eval().to("cuda", dtype)
    x = torch.randn(2, 3, 224, 224, device="cuda", dtype=dtype)
    with torch.no_grad():
        torch.onnx.export(hc.Vision(vm), (x,), path, input_names=["pixel_values"], output_names=["image_tokens"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "image_tokens": {0: "batch"}},
                          opset_version=17, do_constant_folding=True)
    del vm
    torch.cuda.empty_cache()


def time_batches(path, batches, np_dtype, seconds):
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CUDAExecutionProvider"])
    if sess.get_providers()[0] != "CUDAExecutionProvider":
        raise SystemExit("CUDA provider did not start: %s" % sess.get_providers())
    rows = []
    for b in batches:
        x = np.random.default_rng(0).standard_normal((b, 3, 224, 224)).astype(np_dtype)
        for _ in range(3):
            sess.run(None, {"pixel_values": x})
        n, start = 0, time.perf_counter()
        while True:
            sess.run(None, {"pixel_values": x})
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and n >= 3:
                break
        rows.append({"batch": b, "runs": n, "seconds": elapsed, "images_per_s": b * n / elapsed,
                     "ms_per_batch": 1000 * elapsed / n})
        print("batch %3d: %8.1f images/s (%.1f ms per batch)" % (b, rows[-1]["images_per_s"],
                                                                 rows[-1]["ms_per_batch"]), flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32, 64])
    ap.add_argument("--seconds", type=float, default=5.0, help="timed seconds per batch size")
    ap.add_argument("--fp32", action="store_true", help="also time a float32 export")
    args = ap.parse_args()
    import onnxruntime as ort
    name = gpu_name()
    peak = bs.peak_for(name)
    flops = bs.vit_flops(VIT_G["image_size"], VIT_G["patch_size"], VIT_G["hidden_size"],
                         VIT_G["num_hidden_layers"], VIT_G["intermediate_size"])
    result = {"gpu": name, "onnxruntime": ort.__version__, "torch": torch.__version__,
              "shape": VIT_G, "flops_per_image": flops,
              "peak": {"name": peak[0], "fp16_dense_tflops": peak[1],
                       "source": "NVIDIA H100 Tensor Core GPU datasheet: FP16/BF16 tensor core 1,979 (SXM) / "
                                 "1,513 (PCIe) TFLOPS with sparsity; dense = half"} if peak else None,
              "runs": {}}
    variants = [("float16", torch.float16, np.float16)] + ([("float32", torch.float32, np.float32)]
                                                            if args.fp32 else [])
    for label, tdtype, ndtype in variants:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "vision.onnx")
            export(path, tdtype)
            rows = time_batches(path, args.batches, ndtype, args.seconds)
        for r in rows:
            r["achieved_tflops"] = r["images_per_s"] * flops / 1e12
            if peak:
                r["fp16_roofline_share"] = bs.roofline_share(r["images_per_s"], flops, peak[1])
        result["runs"][label] = rows
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
