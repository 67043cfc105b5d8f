"""Export a trained tiny BLIP-2 as a model bundle (docs/bundle.md): ONNX graphs
(opset 17) whose large weights live once in weights.bin, the two tokenizer.json
files, bundle.json with checksums, and golden outputs for the parity tests.
"""
import argparse
import json
import os
import shutil
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn

import contract
import data
import generate
import preprocess
from onnx_bundle import OPSET, WEIGHTS_FILE, SharedWeights, declare_shapes, file_checksums, io_spec
from shipped import load_models, rerank_settings

MODEL_VERSION = 2  # the tiny model's own version (format_version is the bundle contract's)
GOLDEN_IMAGES = 4
GOLDEN_TEXTS = ["grinning face", "red heart", "dog face",
                "a thumbs up sign, drawn as an emoji with a long description that keeps going and going "
                "past the thirty five token limit of the q-former text encoder for sure"]


class Vision(nn.Module):
    def __init__(self, trunk):
        super().__init__()
        self.trunk = trunk

    def forward(self, pixel_values):
        return self.trunk(pixel_values)


class ItcImage(nn.Module):
    def __init__(self, s1):
        super().__init__()
        self.s1 = s1

    def forward(self, image_tokens):
        return self.s1.image_queries(image_tokens)


class ItcText(nn.Module):
    def __init__(self, s1):
        super().__init__()
        self.s1 = s1

    def forward(self, input_ids, attention_mask):
        return self.s1.text_embeds(input_ids, attention_mask)


class Itm(nn.Module):
    def __init__(self, s1):
        super().__init__()
        self.s1 = s1

    def forward(self, image_tokens, input_ids, attention_mask):
        return self.s1.itm_logits(image_tokens, input_ids, attention_mask)


class CaptionPrefix(nn.Module):
    def __init__(self, s2):
        super().__init__()
        self.s2 = s2

    def forward(self, image_tokens):
        return self.s2.prefix(image_tokens)


class LlmEmbed(nn.Module):
    """Gathers columns of the transposed table, the same tensor the llm graph's
    output projection multiplies by, so weights.bin stores the table once."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        table_t = self.lm.embed_tokens.weight.t()
        cols = table_t.index_select(1, input_ids.reshape(-1))
        return cols.t().reshape(input_ids.shape[0], input_ids.shape[1], -1)


class Llm(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, inputs_embeds, attention_mask, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, present = self.lm(inputs_embeds, attention_mask, past)
        return (logits,) + tuple(t for kv in present for t in kv)


def graph_modules(cfg, trunk, s1, s2, lm):
    """graph name -> (module, example inputs)."""
    b, l, p = 2, 7, 3
    tok = torch.randn(b, cfg.num_tokens, cfg.vit_width)
    ids = torch.randint(1000, 2000, (b, l))
    mask = torch.ones(b, l, dtype=torch.long)
    hd = cfg.lm_hidden // cfg.lm_heads
    past = [torch.randn(b, cfg.lm_heads, p, hd) for _ in range(2 * cfg.lm_layers)]
    return {
        "vision": (Vision(trunk), (torch.randn(b, 3, cfg.image_size, cfg.image_size),)),
        "itc_image": (ItcImage(s1), (tok,)),
        "itc_text": (ItcText(s1), (ids, mask)),
        "itm": (Itm(s1), (tok, ids, mask)),
        "caption_prefix": (CaptionPrefix(s2), (tok,)),
        "llm_embed": (LlmEmbed(lm), (ids,)),
        "llm": (Llm(lm), (torch.randn(b, l, cfg.lm_hidden), torch.ones(b, p + l, dtype=torch.long), *past)),
    }


def bundle_dims(cfg):
    return {"T": cfg.num_tokens, "Dv": cfg.vit_width, "E": cfg.embed_dim, "H": cfg.qf_hidden,
            "Dl": cfg.lm_hidden, "num_queries": cfg.num_queries}


def export_graphs(cfg, modules, llm, out):
    shapes = contract.io_shapes(bundle_dims(cfg), cfg.image_size, llm)
    shared = SharedWeights(os.path.join(out, WEIGHTS_FILE))
    graphs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (module, args) in graph_modules(cfg, *modules).items():
            module.eval()
            raw_path = os.path.join(tmp, name + ".onnx")
            ins, outs = contract.graph_io_names(name, cfg.lm_layers)
            torch.onnx.export(module, args, raw_path, input_names=ins, output_names=outs,
                              dynamic_axes=contract.dynamic_axes(shapes[name]), opset_version=OPSET,
                              do_constant_folding=True)
            model = onnx.load(raw_path)
            declare_shapes(model, shapes[name])
            shared.externalize(model)
            path = os.path.join(out, name + ".onnx")
            onnx.save(model, path)
            graphs[name] = {"file": name + ".onnx", **io_spec(model)}
    shared.close()
    for name in graphs:
        onnx.checker.check_model(os.path.join(out, name + ".onnx"))
    return graphs


def rounded(t, digits=7):
    return np.round(np.asarray(t, dtype=np.float64), digits).tolist()


@torch.no_grad()
def golden(ds, cfg, trunk, s1, s2, lm, out):
    """Inputs and reference outputs of every graph, for the parity tests."""
    gdir = os.path.join(out, "golden")
    os.makedirs(gdir, exist_ok=True)
    tests = ds.split["test"]
    picks = [tests[i * len(tests) // GOLDEN_IMAGES] for i in range(GOLDEN_IMAGES)]
    images, pixels = [], []
    for n, (cid, vendor) in enumerate(picks):
        name = "image_%d.png" % n
        shutil.copy(ds.concepts[cid]["images"][vendor], os.path.join(gdir, name))
        px = preprocess.load(os.path.join(gdir, name), cfg.image_size, data.ALPHA_RULE)
        pixels.append(torch.from_numpy(px))
        images.append({"file": "golden/" + name, "name": ds.concepts[cid]["name"]})
    pixels = torch.stack(pixels)
    tokens = trunk(pixels)
    queries = s1.image_queries(tokens)
    prefix = s2.prefix(tokens)
    prompt = ds.gpt2.encode(data.CAPTION_PROMPT)
    captions = generate.greedy(lm, prefix, prompt, ds.gpt2.eot, ds.gpt2.newline, max_new_tokens=20)
    for i, img in enumerate(images):
        img.update({
            "pixel_values": rounded(pixels[i].flatten(), 8),
            "image_tokens": rounded(tokens[i].flatten()),
            "query_embeds": rounded(queries[i].flatten()),
            "prefix_embeds": rounded(prefix[i].flatten()),
            "caption_ids": captions[i],
            "caption": generate.caption_text(ds.gpt2, captions[i], ds.gpt2.newline)})
    texts = [ds.concepts[c]["name"] for c, _ in picks] + GOLDEN_TEXTS
    ids = [ds.bert.encode(t, cfg.text_max_len) for t in texts]
    text_out = []
    for t, row in zip(texts, ids):
        emb = s1.text_embeds(torch.tensor([row]), torch.ones(1, len(row), dtype=torch.long))[0]
        text_out.append({"text": t, "input_ids": row, "text_embeds": rounded(emb)})
    # ITM on every (image, text) pair, texts padded together as the engine does
    ids_t, mask_t = ds.pad_texts(texts)
    itm = []
    for i in range(len(images)):
        logits = s1.itm_logits(tokens[i:i + 1].expand(len(texts), -1, -1), ids_t, mask_t)
        itm.append(rounded(logits))
    llm_ids = ds.gpt2.encode(" " + data.QUESTION_PROMPT.format("what is this?"))
    embeds = lm.embed_tokens(torch.tensor([llm_ids]))
    logits, _ = lm(embeds, torch.ones(1, len(llm_ids), dtype=torch.long), lm.empty_past(1))
    g = {"caption_prompt_ids": prompt, "max_new_tokens": 20, "images": images, "texts": text_out,
         "itm_logits": itm, "itm_text_order": texts,
         "llm_text": " " + data.QUESTION_PROMPT.format("what is this?"), "llm_text_ids": llm_ids,
         "llm_last_logits_head": rounded(logits[0, -1, :64])}
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(g, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="tiny-blip2")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    cfg, modules = load_models(args.work)
    os.makedirs(args.out, exist_ok=True)
    for f in os.listdir(args.out):
        if f.endswith((".onnx", ".bin")):
            os.remove(os.path.join(args.out, f))
    ds = data.Dataset(args.cache, cfg)
    llm = contract.llm_section(cfg.lm_layers, cfg.lm_heads, cfg.lm_hidden, cfg.lm_vocab, cfg.lm_max_positions,
                               ds.gpt2.eot, ds.gpt2.newline, data.CAPTION_PROMPT, data.QUESTION_PROMPT)
    graphs = export_graphs(cfg, modules, llm, args.out)
    for fname, content in (("qformer_tokenizer.json", ds.bert_json), ("llm_tokenizer.json", ds.gpt2_json)):
        with open(os.path.join(args.out, fname), "w", encoding="utf-8") as f:
            json.dump(content, f, ensure_ascii=False, separators=(",", ":"))
    golden(ds, cfg, *modules, args.out)
    image = contract.image_section(cfg.image_size, preprocess.MEAN, preprocess.STD, 1 / 255, data.ALPHA_RULE)
    manifest = contract.manifest(args.name, image, bundle_dims(cfg), cfg.text_max_len, graphs,
                                 file_checksums(args.out), llm,
                                 extra={"model_version": MODEL_VERSION, "rerank": rerank_settings(args.work)})
    with open(os.path.join(args.out, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print("bundle", args.out, "bytes", total)


if __name__ == "__main__":
    main()
