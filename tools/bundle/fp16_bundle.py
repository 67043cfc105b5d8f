"""Turn a float32 bundle into a float16 one (docs/bundle.md, "dtypes").

    /usr/bin/python3 tools/bundle/fp16_bundle.py IN_BUNDLE OUT_BUNDLE

What it does to every graph: float32 inputs and outputs become float16 (a
Cast to float32 after each input, a Cast to float16 before each output, names
unchanged), and every float32 weight of 1 KiB or more is rounded to float16
and stored as float16 in a new shared weights.bin (with a Cast to float32 in
front of its users). The arithmetic inside the graphs stays float32.

What this exercises: the engine's float16 contract (bundle.json dtypes,
float16 tensors in and out of every graph, the KV cache carried between
decoding steps as float16) and float16 weight storage, against the float32
golden outputs of the source bundle (copied along) within 1e-2. What it does
not exercise: float16 arithmetic inside the graphs, which a real float16
export (tools/export --fp16, the model run in half precision) has; ONNX
Runtime's CPU provider lacks float16 kernels for many ops, so that needs the
CUDA provider.
"""
import argparse
import json
import os
import shutil

import onnx

import onnx_bundle


def convert(src, out, name_suffix="-fp16"):
    with open(os.path.join(src, "bundle.json")) as f:
        manifest = json.load(f)
    os.makedirs(out, exist_ok=True)
    graph_files = {g["file"] for g in manifest["graphs"].values()}
    for entry in os.listdir(src):
        path = os.path.join(src, entry)
        if entry in graph_files or entry == onnx_bundle.WEIGHTS_FILE or entry == "bundle.json":
            continue
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(out, entry), dirs_exist_ok=True)
        else:
            shutil.copy(path, os.path.join(out, entry))
    shared = onnx_bundle.SharedWeights(os.path.join(out, onnx_bundle.WEIGHTS_FILE))
    report = {}
    for gid, g in manifest["graphs"].items():
        model = onnx.load(os.path.join(src, g["file"]))  # resolves weights.bin beside it
        rounded = onnx_bundle.round_initializers_to_fp16(model)
        changed = onnx_bundle.float16_io(model)
        shared.externalize(model)
        onnx.save(model, os.path.join(out, g["file"]))
        manifest["graphs"][gid] = {"file": g["file"], **onnx_bundle.io_spec(model)}
        report[gid] = {"float16_io": len(changed), "rounded_weights": rounded}
    shared.close()
    for g in manifest["graphs"].values():
        onnx.checker.check_model(os.path.join(out, g["file"]))
    manifest["name"] = manifest["name"] + name_suffix
    manifest["files"] = onnx_bundle.file_checksums(out)
    with open(os.path.join(out, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="a float32 bundle directory")
    ap.add_argument("out", help="where to write the float16 bundle")
    args = ap.parse_args()
    report = convert(args.src, args.out)
    for gid, r in report.items():
        print("%-15s %d float16 inputs/outputs, %d weights rounded to float16" % (gid, r["float16_io"],
                                                                               r["rounded_weights"]))
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out)
                if os.path.isfile(os.path.join(args.out, f)))
    print("bundle", args.out, "bytes", total)


if __name__ == "__main__":
    main()
