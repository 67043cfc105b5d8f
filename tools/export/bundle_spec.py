"""The transformers-free half of tools/export: the bundle sections
(docs/bundle.md; the contract itself is tools/bundle/contract.py) of a BLIP-2
exported from HF checkpoints, derived from plain config dicts, plus the parity thresholds and report and a greedy decoder over the
exported graphs. Imports only numpy and the standard library, so its unit
tests (test_bundle_spec.py) run where transformers is not installed.
"""
import json
import math

import numpy as np

import contract

# LAVIS retrieval settings (its retrieval configs; docs/bundle.md)
TEXT_MAX_LENGTH = 35
CAPTION_PROMPT = "a photo of"
QUESTION_PROMPT = "Question: {} Short answer:"
# parity thresholds: max abs diff of every compared output (float16: divided by
# the expected tensor's RMS when that is above 1; un-normalized trunk tokens
# reach hundreds, where float16 itself is coarser than 1e-2)
THRESHOLDS = {"float32": 1e-4, "float16": 1e-2}
PIL_BICUBIC = 3


class SpecError(ValueError):
    pass


def dims_from_configs(itm_cfg, cap_cfg=None):
    """Bundle dims from the two checkpoints' config.json dicts (Blip2Config
    layout: vision_config, qformer_config, text_config, num_query_tokens,
    image_text_hidden_size). cap_cfg may be None (no caption graphs)."""
    v = itm_cfg["vision_config"]
    q = itm_cfg["qformer_config"]
    size, patch = v["image_size"], v["patch_size"]
    if size % patch:
        raise SpecError("image_size %d is not a multiple of patch_size %d" % (size, patch))
    dims = {"T": (size // patch) ** 2 + 1, "Dv": v["hidden_size"],
            "E": itm_cfg.get("image_text_hidden_size", 256), "H": q["hidden_size"],
            "Dl": 0, "num_queries": itm_cfg.get("num_query_tokens", 32)}
    if q.get("encoder_hidden_size", v["hidden_size"]) != v["hidden_size"]:
        raise SpecError("qformer encoder_hidden_size %s != vision hidden_size %s"
                        % (q.get("encoder_hidden_size"), v["hidden_size"]))
    if cap_cfg is not None:
        cv = cap_cfg["vision_config"]
        for k in ("image_size", "patch_size", "hidden_size", "num_hidden_layers"):
            if cv[k] != v[k]:
                raise SpecError("the two checkpoints' vision trunks differ in %s (%s vs %s): one bundle "
                                "shares one trunk" % (k, v[k], cv[k]))
        if cap_cfg.get("num_query_tokens", 32) != dims["num_queries"]:
            raise SpecError("the two checkpoints have different numbers of query tokens")
        dims["Dl"] = cap_cfg["text_config"]["hidden_size"]
    return dims


def llm_section(cap_cfg, stop_token_id, tokenizer_file="llm_tokenizer.json"):
    """bundle.json's llm section from a Blip2ForConditionalGeneration config (OPT text_config)."""
    t = cap_cfg["text_config"]
    if t.get("model_type", "opt") != "opt":
        raise SpecError("only OPT language models are exported (got %s)" % t.get("model_type"))
    heads = t["num_attention_heads"]
    if t["hidden_size"] % heads:
        raise SpecError("hidden_size %d not divisible by %d heads" % (t["hidden_size"], heads))
    if t.get("word_embed_proj_dim", t["hidden_size"]) != t["hidden_size"]:
        raise SpecError("OPT with word_embed_proj_dim != hidden_size (project_in/out) is not supported")
    return contract.llm_section(t["num_hidden_layers"], heads, t["hidden_size"], t["vocab_size"],
                                t.get("max_position_embeddings", 2048), t.get("bos_token_id", 2), stop_token_id,
                                CAPTION_PROMPT, QUESTION_PROMPT, tokenizer_file)


def image_section(processor_cfg):
    """bundle.json's image section from a preprocessor_config.json dict
    (BlipImageProcessor: size, image_mean, image_std, resample,
    rescale_factor, do_convert_rgb)."""
    p = processor_cfg.get("image_processor", processor_cfg)  # processor_config.json nests it
    size = p.get("size", 224)
    if isinstance(size, dict):
        h, w = size.get("height", size.get("shortest_edge")), size.get("width", size.get("shortest_edge"))
        if h != w:
            raise SpecError("non-square image size %sx%s" % (h, w))
        size = h
    if p.get("resample", PIL_BICUBIC) != PIL_BICUBIC:
        raise SpecError("resample %s is not bicubic (PIL 3); the engine only does bicubic" % p.get("resample"))
    if p.get("do_center_crop"):
        raise SpecError("center crop is not supported (BLIP-2 squashes)")
    for flag in ("do_resize", "do_rescale", "do_normalize"):
        if p.get(flag, True) is False:
            raise SpecError("%s is false; the engine always resizes, rescales and normalizes" % flag)
    mean, std = p.get("image_mean"), p.get("image_std")
    if not (mean and std and len(mean) == 3 and len(std) == 3):
        raise SpecError("image_mean/image_std missing or not 3 channels")
    return contract.image_section(size, mean, std, p.get("rescale_factor", 1 / 255), "drop")


# ---- parity -------------------------------------------------------------------

class ParityReport:
    """Max abs diffs of named outputs and equality of token sequences,
    against the threshold of the bundle's float type."""

    def __init__(self, dtype="float32"):
        if dtype not in THRESHOLDS:
            raise SpecError("no parity threshold for %s" % dtype)
        self.dtype = dtype
        self.threshold = THRESHOLDS[dtype]
        self.diffs = {}
        self.sequences = {}

    def compare(self, name, expected, actual):
        e, a = np.asarray(expected, np.float64), np.asarray(actual, np.float64)
        if e.shape != a.shape:
            raise SpecError("%s: shape %s vs %s" % (name, e.shape, a.shape))
        d = float(np.max(np.abs(e - a))) if e.size else 0.0
        if self.dtype == "float16" and e.size:  # relative to the tensor's scale, as GoldenParityTest
            d /= max(1.0, float(np.sqrt(np.mean(e * e))))
        if math.isnan(d) or not np.all(np.isfinite(a)):
            d = float("inf")
        self.diffs[name] = max(self.diffs.get(name, 0.0), d)
        return d

    def tokens(self, name, expected, actual):
        self.sequences[name] = (list(map(int, expected)), list(map(int, actual)))

    def failures(self):
        out = ["%s: max diff %.3g > %.0e" % (n, d, self.threshold)
               for n, d in sorted(self.diffs.items()) if not d <= self.threshold]
        out += ["%s: tokens differ: %s vs %s" % (n, e, a) for n, (e, a) in sorted(self.sequences.items())
                if e != a]
        return out

    def ok(self):
        return not self.failures()

    def as_dict(self):
        return {"dtype": self.dtype, "threshold": self.threshold, "max_abs_diff": self.diffs,
                "sequences_equal": {n: e == a for n, (e, a) in self.sequences.items()},
                "failures": self.failures(), "ok": self.ok()}

    def text(self):
        lines = ["parity (%s, threshold %.0e)" % (self.dtype, self.threshold)]
        lines += ["  %-28s %.3g %s" % (n, d, "ok" if d <= self.threshold else "FAIL")
                  for n, d in sorted(self.diffs.items())]
        lines += ["  %-28s %s" % (n, "equal" if e == a else "DIFFERENT %s vs %s" % (e, a))
                  for n, (e, a) in sorted(self.sequences.items())]
        lines.append("PASS" if self.ok() else "FAIL")
        return "\n".join(lines)

    def dump(self, path):
        with open(path, "w") as f:
            json.dump(self.as_dict(), f, indent=1)


def new_tokens(generated, prompt_ids, bos_token_id):
    """The tokens HF's Blip2ForConditionalGeneration.generate produced after
    the prompt. Depending on the transformers version its output is
    [bos] + new, or prompt + new, or (image placeholders +) prompt + new."""
    g = list(map(int, generated))
    p = list(map(int, prompt_ids))
    for start in range(len(g)):
        if g[start:start + len(p)] == p:
            return g[start + len(p):]
    if g and g[0] == bos_token_id:
        return g[1:]
    return g


def greedy_decode(prefix, prompt_embeds, step, stop_token_id, max_new_tokens, embed_ids, min_new_tokens=0):
    """Greedy decoding over the exported llm graph as the engine does it
    (CaptionGenerator): one image row, [prefix ; prompt] first, then one token
    at a time with the KV cache. step(embeds [1,S,D], mask [1,total], past
    list) -> (logits [1,S,V], present list); embed_ids(ids) -> [1,n,D]. The
    returned ids include the stop token when it was generated."""
    embeds = np.concatenate([prefix, prompt_embeds], axis=1)
    past = None
    total = 0
    out = []
    for t in range(max_new_tokens):
        total += embeds.shape[1]
        logits, past = step(embeds, np.ones((1, total), np.int64), past)
        last = np.asarray(logits[0, -1], np.float64).copy()
        if t < min_new_tokens:
            last[stop_token_id] = -np.inf
        nxt = int(np.argmax(last))
        out.append(nxt)
        if nxt == stop_token_id:
            break
        embeds = embed_ids(np.array([[nxt]], np.int64))
    return out


# ---- throughput --------------------------------------------------------------

def vit_flops(image_size, patch, width, layers, mlp, channels=3):
    """Forward FLOPs (2 per multiply-add) of one image through a ViT trunk:
    patch embedding, then per block qkv + output projections (4 T D^2 MACs),
    attention scores and weighted sum (2 T^2 D MACs), MLP (2 T D F MACs).
    LayerNorm, softmax, GELU and biases are left out (well under 1%)."""
    n = (image_size // patch) ** 2
    t = n + 1
    macs = n * channels * patch * patch * width
    macs += layers * (4 * t * width * width + 2 * t * t * width + 2 * t * width * mlp)
    return 2 * macs


# dense (no sparsity) FP16/BF16 tensor-core peaks, TFLOP/s. NVIDIA's "H100 Tensor Core
# GPU" datasheet gives FP16 and BF16 Tensor Core 1,979 TFLOPS (SXM) and 1,513 (PCIe)
# "with sparsity"; dense is half: 989.4 and 756. The H200 has the H100 SXM's compute.
PEAK_FP16_TFLOPS = {"H100 SXM": 989.4, "H100 PCIe": 756.0, "H200": 989.4}


def peak_for(gpu_name):
    """The peak of PEAK_FP16_TFLOPS that fits an nvidia-smi GPU name, or None."""
    n = gpu_name.upper()
    if "H200" in n:
        return "H200", PEAK_FP16_TFLOPS["H200"]
    if "H100" in n:
        if "PCIE" in n:
            return "H100 PCIe", PEAK_FP16_TFLOPS["H100 PCIe"]
        return "H100 SXM", PEAK_FP16_TFLOPS["H100 SXM"]
    return None


def roofline_share(images_per_s, flops_per_image, peak_tflops):
    return images_per_s * flops_per_image / (peak_tflops * 1e12)
