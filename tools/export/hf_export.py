"""Export HF BLIP-2 checkpoints as a qsearch model bundle (docs/bundle.md).

    tools/python tools/export/hf_export.py --itm CKPT_ITM [--caption CKPT_OPT] --out BUNDLE \\
        [--name NAME] [--fp16 --device cuda] [--golden-images A.png B.png ...]

CKPT_ITM is a local Blip2ForImageTextRetrieval checkpoint directory
(Salesforce/blip2-itm-vit-g: config.json, weights, tokenizer files,
preprocessor_config.json); CKPT_OPT a Blip2ForConditionalGeneration one
(Salesforce/blip2-opt-2.7b). Writes the graphs vision, itc_image, itc_text,
itm (+ caption_prefix, llm_embed, llm with --caption) with torch.onnx (opset
17), every weight of 1 KiB or more in one shared weights.bin (external data,
so the 1B-parameter trunk passes the 2 GiB protobuf limit), the two
tokenizer.json files, bundle.json (image size and normalisation from the
processor config) and, with --golden-images, golden.json + golden/ with the
HF classes' own outputs for the Java parity tests.

--fp16 runs the model in half precision (float16 weights, I/O and
arithmetic); it needs --device cuda (PyTorch lacks float16 CPU kernels for
some ops). Needs torch, transformers, onnx, Pillow; not run in CI (see
docs/real-models.md).
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import onnx
import torch

import bundle_spec as bs
import contract
import hf_common as hc
import onnx_bundle

GOLDEN_TEXTS = ["A woman and her dog sitting in a beach", "a red heart", "a dog face",
                "a thumbs up sign, drawn as an emoji with a long description that keeps going and going "
                "past the thirty five token limit of the q-former text encoder for sure"]
GOLDEN_MAX_NEW_TOKENS = 20
LLM_TEXT = " " + bs.QUESTION_PROMPT.format("what is this?")


def read_json(path):
    with open(path) as f:
        return json.load(f)


def processor_config(ckpt):
    for name in ("preprocessor_config.json", "processor_config.json"):
        if os.path.exists(os.path.join(ckpt, name)):
            return read_json(os.path.join(ckpt, name))
    raise SystemExit("%s has no preprocessor_config.json" % ckpt)


def example_inputs(gid, dims, image_size, llm, dtype, device):
    b, seq, past = 2, 7, 3
    f = dict(dtype=dtype, device=device)
    tok = torch.randn(b, dims["T"], dims["Dv"], **f)
    ids = torch.randint(1000, 2000, (b, seq), device=device)
    mask = torch.ones(b, seq, dtype=torch.long, device=device)
    if gid == "vision":
        return (torch.randn(b, 3, image_size, image_size, **f),)
    if gid in ("itc_image", "caption_prefix"):
        return (tok,)
    if gid == "itc_text":
        return ids, mask
    if gid == "itm":
        return tok, ids, mask
    if gid == "llm_embed":
        return (ids,)
    kv = [torch.randn(b, llm["heads"], past, llm["head_dim"], **f) for _ in range(2 * llm["layers"])]
    return (torch.randn(b, seq, dims["Dl"], **f), torch.ones(b, past + seq, dtype=torch.long, device=device), *kv)


def export_graphs(mods, shapes, dims, image_size, llm, out, dtype, device):
    shared = onnx_bundle.SharedWeights(os.path.join(out, onnx_bundle.WEIGHTS_FILE))
    graphs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for gid, module in mods.items():
            ins, outs = contract.graph_io_names(gid, llm["layers"] if llm else 0)
            raw_dir = os.path.join(tmp, gid)
            os.makedirs(raw_dir)
            raw = os.path.join(raw_dir, gid + ".onnx")
            with torch.no_grad():
                torch.onnx.export(module, example_inputs(gid, dims, image_size, llm, dtype, device), raw,
                                  input_names=ins, output_names=outs, dynamic_axes=contract.dynamic_axes(shapes[gid]),
                                  opset_version=onnx_bundle.OPSET, do_constant_folding=True)
            model = onnx.load(raw)  # a >2 GiB export comes with external data files beside it
            onnx_bundle.declare_shapes(model, shapes[gid])
            shared.externalize(model)
            onnx.save(model, os.path.join(out, gid + ".onnx"))
            graphs[gid] = {"file": gid + ".onnx", **onnx_bundle.io_spec(model)}
            print("exported", gid, flush=True)
    shared.close()
    for g in graphs.values():
        onnx.checker.check_model(os.path.join(out, g["file"]))  # path form: handles external data
    return graphs


def save_tokenizer(ckpt, dest):
    """The checkpoint's tokenizer.json (fast tokenizer), written by transformers if absent."""
    src = os.path.join(ckpt, "tokenizer.json")
    if not os.path.exists(src):
        from transformers import AutoTokenizer
        with tempfile.TemporaryDirectory() as tmp:
            AutoTokenizer.from_pretrained(ckpt, use_fast=True).save_pretrained(tmp)
            shutil.copy(os.path.join(tmp, "tokenizer.json"), dest)
        return
    shutil.copy(src, dest)


def rounded(a, digits=7):
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def write_golden(itm, cap, itm_dir, cap_dir, image_paths, llm, out):
    """golden.json + golden/*.png in the layout GoldenParityTest reads, every
    number from the HF classes (hc.hf_reference), except prefix_embeds (HF has
    no output for it; computed by the same HF modules as the graph)."""
    from transformers import AutoImageProcessor, AutoTokenizer
    proc = AutoImageProcessor.from_pretrained(itm_dir)
    qtok = AutoTokenizer.from_pretrained(itm_dir, use_fast=True)
    gdir = os.path.join(out, "golden")
    os.makedirs(gdir, exist_ok=True)
    images, names = [], []
    for n, path in enumerate(image_paths):
        name = "golden/image_%d.png" % n
        img = hc.load_rgb(path)
        img.save(os.path.join(out, name))
        images.append(img)
        names.append(name)
    pix = hc.pixels(proc, images)
    ids, mask = hc.qformer_ids(qtok, GOLDEN_TEXTS, bs.TEXT_MAX_LENGTH)
    pairs = [(i, j) for i in range(len(images)) for j in range(len(GOLDEN_TEXTS))]
    ltok = prompt = None
    kw = {}
    if cap is not None:
        ltok = AutoTokenizer.from_pretrained(cap_dir, use_fast=True)
        prompt = hc.llm_prompt_ids(ltok, bs.CAPTION_PROMPT, llm["bos_token_id"])
        kw = dict(prompt_ids=prompt, stop_id=llm["stop_token_id"], max_new_tokens=GOLDEN_MAX_NEW_TOKENS,
                  llm_text_ids=ltok(LLM_TEXT, add_special_tokens=False)["input_ids"])
    else:
        kw = dict(prompt_ids=None, stop_id=None, max_new_tokens=0)
    ref = hc.hf_reference(itm, cap, pix, ids, mask, pairs, **kw)
    g = {"source": "HF transformers (tools/export/hf_export.py)", "images": [], "texts": [],
         "itm_text_order": GOLDEN_TEXTS}
    for i, name in enumerate(names):
        g["images"].append({"file": name, "pixel_values": rounded(pix[i].flatten(), 8),
                            "image_tokens": rounded(ref["image_tokens"][i].flatten()),
                            "query_embeds": rounded(ref["query_embeds"][i].flatten())})
    for j, t in enumerate(GOLDEN_TEXTS):
        row = [int(x) for x, m in zip(ids[j].tolist(), mask[j].tolist()) if m]
        g["texts"].append({"text": t, "input_ids": row, "text_embeds": rounded(ref["text_embeds"][j])})
    g["itm_logits"] = [[rounded(ref["itm_logits"][i * len(GOLDEN_TEXTS) + j]) for j in range(len(GOLDEN_TEXTS))]
                       for i in range(len(images))]
    g["itc_scores"] = rounded(ref["itc_scores"])
    if cap is not None:
        with torch.no_grad():
            dev = next(cap.parameters()).device
            prefix = hc.CaptionPrefix(cap)(torch.from_numpy(ref["image_tokens"]).float().to(dev))
        stop = llm["stop_token_id"]
        for i, img in enumerate(g["images"]):
            ids_i = ref["captions"][i]
            img.update({"prefix_embeds": rounded(prefix[i].flatten().cpu()), "caption_ids": ids_i,
                        "caption": ltok.decode([t for t in ids_i if t != stop]).strip()})
        g.update({"caption_prompt_ids": prompt[1:], "max_new_tokens": GOLDEN_MAX_NEW_TOKENS,
                  "llm_text": LLM_TEXT, "llm_text_ids": kw["llm_text_ids"],
                  "llm_last_logits_head": rounded(ref["llm_last_logits"][:64])})
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(g, f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--itm", required=True, help="Blip2ForImageTextRetrieval checkpoint dir")
    ap.add_argument("--caption", help="Blip2ForConditionalGeneration (OPT) checkpoint dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default=None)
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--golden-images", nargs="*", default=[])
    ap.add_argument("--max-trunk-diff", type=float, default=0.0,
                    help="largest allowed difference of the two checkpoints' vision trunks")
    args = ap.parse_args(argv)
    if args.fp16 and not args.device.startswith("cuda"):
        ap.error("--fp16 needs --device cuda")
    itm_cfg = read_json(os.path.join(args.itm, "config.json"))
    cap_cfg = read_json(os.path.join(args.caption, "config.json")) if args.caption else None
    dims = bs.dims_from_configs(itm_cfg, cap_cfg)
    image = bs.image_section(processor_config(args.itm))
    if image["size"] != itm_cfg["vision_config"]["image_size"]:
        raise SystemExit("processor size %d != vision image_size %d" % (image["size"],
                                                                       itm_cfg["vision_config"]["image_size"]))
    itm, cap = hc.load(args.itm, args.caption, args.device)
    if cap is not None:
        diff = hc.trunk_difference(itm, cap)
        print("vision trunk max abs difference between the checkpoints: %.3g" % diff)
        if diff > args.max_trunk_diff:
            raise SystemExit("the checkpoints' vision trunks differ (%.3g); a bundle shares one trunk" % diff)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith((".onnx", ".bin")):
            os.remove(os.path.join(args.out, f))
    llm = None
    if cap is not None:
        save_tokenizer(args.caption, os.path.join(args.out, "llm_tokenizer.json"))
        from transformers import AutoTokenizer
        llm = bs.llm_section(cap_cfg, hc.stop_token_id(AutoTokenizer.from_pretrained(args.caption, use_fast=True)))
    save_tokenizer(args.itm, os.path.join(args.out, "qformer_tokenizer.json"))
    if args.golden_images:
        write_golden(itm, cap, args.itm, args.caption, args.golden_images, llm, args.out)
    dtype = torch.float16 if args.fp16 else torch.float32
    if args.fp16:
        itm = itm.half()
        cap = cap.half() if cap is not None else None
    shapes = contract.io_shapes(dims, image["size"], llm)
    graphs = export_graphs(hc.graph_modules(itm, cap), shapes, dims, image["size"], llm, args.out, dtype,
                           args.device)
    name = args.name or os.path.basename(os.path.normpath(args.itm)) + ("-fp16" if args.fp16 else "")
    manifest = contract.manifest(name, image, dims, bs.TEXT_MAX_LENGTH, graphs, onnx_bundle.file_checksums(args.out), llm)
    with open(os.path.join(args.out, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out)
                if os.path.isfile(os.path.join(args.out, f)))
    print("bundle", args.out, "bytes", total)


if __name__ == "__main__":
    main()
