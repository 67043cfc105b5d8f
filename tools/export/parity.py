"""Check an exported bundle against the HF classes it came from.

    tools/python tools/export/parity.py --itm CKPT_ITM [--caption CKPT_OPT] --bundle BUNDLE \\
        --images A.jpg B.png ... [--device cuda] [--report parity.json]

Runs the same images and texts through HF transformers (float32, eager
attention: Blip2ForImageTextRetrieval in ITC and ITM mode,
Blip2ForConditionalGeneration.generate greedy) and through the bundle's graphs
in ONNX Runtime (CUDA when --device cuda), and reports the max abs diff of
image tokens, query and text embeddings, ITC scores, ITM logits, first-step
LLM logits and whether the greedy captions are token-for-token equal. Fails
(exit 1) above 1e-4 for a float32 bundle, 1e-2 (relative to the tensor's
scale) for a float16 one. Texts are fed as plain BERT ids: newer processors
prepend 32 image placeholder tokens, which the Q-Former must not see.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

import bundle_spec as bs
import contract
import hf_common as hc

TEXTS = ["A woman and her dog sitting in a beach", "a photo of a cat", "two dogs playing in the snow",
         "a plate of food on a wooden table"]
MAX_NEW_TOKENS = 20


class OrtBundle:
    """The bundle's graphs in ONNX Runtime, fed float32/float16 per bundle.json."""

    def __init__(self, path, device):
        import onnxruntime as ort
        with open(os.path.join(path, "bundle.json")) as f:
            self.manifest = json.load(f)
        providers = (["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda")
                     else ["CPUExecutionProvider"])
        self.sessions, self.types = {}, {}
        for gid, g in self.manifest["graphs"].items():
            self.sessions[gid] = ort.InferenceSession(os.path.join(path, g["file"]), providers=providers)
            self.types[gid] = {t["name"]: t["dtype"] for t in g["inputs"]}
        self.provider = self.sessions["vision"].get_providers()[0]
        self.float_dtype = next(t["dtype"] for t in self.manifest["graphs"]["vision"]["outputs"])

    def run(self, gid, **inputs):
        feed = {}
        for name, value in inputs.items():
            dtype = {"float": np.float32, "float16": np.float16, "int64": np.int64}[self.types[gid][name]]
            feed[name] = np.ascontiguousarray(value).astype(dtype)
        return [np.asarray(o, np.float64) for o in self.sessions[gid].run(None, feed)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--itm", required=True)
    ap.add_argument("--caption")
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--images", nargs="+", required=True)
    ap.add_argument("--texts", nargs="*", default=TEXTS)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--report")
    args = ap.parse_args(argv)
    from transformers import AutoImageProcessor, AutoTokenizer

    ob = OrtBundle(args.bundle, args.device)
    dtype = "float16" if ob.float_dtype == "float16" else "float32"
    report = bs.ParityReport(dtype)
    print("bundle %s on %s, %s" % (ob.manifest["name"], ob.provider, dtype))
    itm, cap = hc.load(args.itm, args.caption, args.device)
    proc = AutoImageProcessor.from_pretrained(args.itm)
    qtok = AutoTokenizer.from_pretrained(args.itm, use_fast=True)
    images = [hc.load_rgb(p) for p in args.images]
    pix = hc.pixels(proc, images)
    ids, mask = hc.qformer_ids(qtok, args.texts, ob.manifest["text"]["max_length"])
    n_img, n_txt = len(images), len(args.texts)
    pairs = [(i, j) for i in range(n_img) for j in range(n_txt)]
    llm = ob.manifest.get("llm")
    kw = dict(prompt_ids=None, stop_id=None, max_new_tokens=0)
    if cap is not None and llm is not None:
        ltok = AutoTokenizer.from_pretrained(args.caption, use_fast=True)
        kw = dict(prompt_ids=hc.llm_prompt_ids(ltok, llm["caption_prompt"], llm["bos_token_id"]),
                  stop_id=llm["stop_token_id"], max_new_tokens=MAX_NEW_TOKENS)
    ref = hc.hf_reference(itm, cap if llm else None, pix, ids, mask, pairs, **kw)

    pv = pix.numpy()
    tokens = ob.run("vision", pixel_values=pv)[0]
    report.compare("vision.image_tokens", ref["image_tokens"], tokens)
    queries = ob.run("itc_image", image_tokens=tokens)[0]
    report.compare("itc_image.query_embeds", ref["query_embeds"], queries)
    texts = ob.run("itc_text", input_ids=ids.numpy(), attention_mask=mask.numpy())[0]
    report.compare("itc_text.text_embeds", ref["text_embeds"], texts)
    scores = np.einsum("iqe,te->iqt", queries, texts).max(axis=1)
    report.compare("itc.scores", ref["itc_scores"], scores)
    if "itm" in ob.sessions:
        ii = np.array([i for i, _ in pairs])
        jj = np.array([j for _, j in pairs])
        logits = ob.run("itm", image_tokens=tokens[ii], input_ids=ids.numpy()[jj],
                        attention_mask=mask.numpy()[jj])[0]
        report.compare("itm.logits", ref["itm_logits"], logits)
    if "captions" in ref:
        prompt = np.array([kw["prompt_ids"]], np.int64)
        layers, heads, hd = llm["layers"], llm["heads"], llm["head_dim"]
        past_names = contract.llm_past_names(layers)[0]

        def embed(x):
            return ob.run("llm_embed", input_ids=x)[0]

        def step(embeds, attn, past):
            if past is None:
                past = [np.zeros((1, heads, 0, hd)) for _ in range(2 * layers)]
            out = ob.run("llm", inputs_embeds=embeds, attention_mask=attn, **dict(zip(past_names, past)))
            return out[0], out[1:]

        for i in range(n_img):
            prefix = ob.run("caption_prefix", image_tokens=tokens[i:i + 1])[0]
            first, _ = step(np.concatenate([prefix, embed(prompt)], axis=1),
                            np.ones((1, prefix.shape[1] + prompt.shape[1]), np.int64), None)
            report.compare("llm.first_step_logits", ref["first_step_logits"][i], first[0, -1])
            mine = bs.greedy_decode(prefix, embed(prompt), step, llm["stop_token_id"], MAX_NEW_TOKENS, embed)
            report.tokens("caption.%d" % i, ref["captions"][i], mine)
            print("caption %d: HF %s / bundle %s" % (i, ltok.decode(ref["captions"][i]), ltok.decode(mine)))
    print(report.text())
    if args.report:
        d = report.as_dict()
        d.update({"bundle": ob.manifest["name"], "provider": ob.provider, "images": args.images,
                  "texts": args.texts, "torch": torch.__version__})
        import transformers
        import onnxruntime
        d.update({"transformers": transformers.__version__, "onnxruntime": onnxruntime.__version__})
        with open(args.report, "w") as f:
            json.dump(d, f, indent=1)
    sys.exit(0 if report.ok() else 1)


if __name__ == "__main__":
    main()
