"""What tools/export does with HF transformers' BLIP-2 classes: loading the
checkpoints, the graph modules (thin wrappers that call the HF modules in the
order Blip2ForImageTextRetrieval / Blip2ForConditionalGeneration do, split at
the bundle's graph boundaries), and the HF reference outputs that parity and
the golden file compare against.

Written against transformers' modeling_blip_2.py (4.4x: Blip2ForImageTextRetrieval
with .vision_model, .query_tokens, .embeddings, .qformer, .vision_projection,
.text_projection, .itm_head; Blip2ForConditionalGeneration with .vision_model,
.query_tokens, .qformer, .language_projection, .language_model). transformers
is imported inside the functions, so this module imports with torch alone.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(itm_dir, caption_dir=None, device="cpu"):
    """The two checkpoints in float32, eager attention (traceable, and what
    the parity reference runs), eval mode."""
    from transformers import Blip2ForConditionalGeneration, Blip2ForImageTextRetrieval
    kw = {"torch_dtype": torch.float32, "attn_implementation": "eager"}
    itm = Blip2ForImageTextRetrieval.from_pretrained(itm_dir, **kw).to(device).eval()
    cap = None
    if caption_dir:
        cap = Blip2ForConditionalGeneration.from_pretrained(caption_dir, **kw).to(device).eval()
    return itm, cap


def trunk_difference(itm, cap):
    """Max abs difference of the two checkpoints' vision trunks (embeddings +
    encoder, not post_layernorm). The bundle has one vision graph: the
    exporter refuses checkpoints whose trunks differ."""
    a = dict(itm.vision_model.named_parameters())
    worst = 0.0
    for name, p in cap.vision_model.named_parameters():
        if name.startswith("post_layernorm"):
            continue
        worst = max(worst, float((p.detach().float() - a[name].detach().float()).abs().max()))
    return worst


def _ones_like_tokens(x):
    return torch.ones_like(x[..., 0], dtype=torch.long)


def _queries(model, batch_like):
    return model.query_tokens.expand(batch_like.shape[0], -1, -1)


class Vision(nn.Module):
    """pixel_values -> image_tokens: embeddings + encoder, BEFORE post_layernorm."""

    def __init__(self, vision_model):
        super().__init__()
        self.vm = vision_model

    def forward(self, pixel_values):
        return self.vm.encoder(inputs_embeds=self.vm.embeddings(pixel_values))[0]


class ItcImage(nn.Module):
    def __init__(self, itm):
        super().__init__()
        self.m = itm

    def forward(self, image_tokens):
        x = self.m.vision_model.post_layernorm(image_tokens)
        out = self.m.qformer(query_embeds=_queries(self.m, x), encoder_hidden_states=x,
                             encoder_attention_mask=_ones_like_tokens(x))[0]
        return F.normalize(self.m.vision_projection(out), dim=-1)


class ItcText(nn.Module):
    def __init__(self, itm):
        super().__init__()
        self.m = itm

    def forward(self, input_ids, attention_mask):
        emb = self.m.embeddings(input_ids=input_ids)
        out = self.m.qformer(query_embeds=emb, query_length=0, attention_mask=attention_mask)[0]
        return F.normalize(self.m.text_projection(out[:, 0, :]), dim=-1)


class Itm(nn.Module):
    def __init__(self, itm):
        super().__init__()
        self.m = itm
        self.n = itm.query_tokens.shape[1]

    def forward(self, image_tokens, input_ids, attention_mask):
        x = self.m.vision_model.post_layernorm(image_tokens)
        q = _queries(self.m, x)
        mask = torch.cat([_ones_like_tokens(q), attention_mask], dim=1)
        emb = self.m.embeddings(input_ids=input_ids, query_embeds=q)
        out = self.m.qformer(query_embeds=emb, query_length=self.n, attention_mask=mask, encoder_hidden_states=x,
                             encoder_attention_mask=_ones_like_tokens(x))[0]
        return self.m.itm_head(out[:, :self.n, :]).mean(dim=1)


class CaptionPrefix(nn.Module):
    def __init__(self, cap):
        super().__init__()
        self.m = cap

    def forward(self, image_tokens):
        x = self.m.vision_model.post_layernorm(image_tokens)
        out = self.m.qformer(query_embeds=_queries(self.m, x), encoder_hidden_states=x,
                             encoder_attention_mask=_ones_like_tokens(x))[0]
        return self.m.language_projection(out)


class LlmEmbed(nn.Module):
    """Gathers columns of the transposed token table: the same constant the
    llm graph's tied output projection multiplies by, so weights.bin can hold
    it once."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids):
        table_t = self.lm.get_input_embeddings().weight.t()
        cols = table_t.index_select(1, input_ids.reshape(-1))
        return cols.t().reshape(input_ids.shape[0], input_ids.shape[1], -1)


def to_cache(past):
    """Legacy ((k, v), ...) -> whatever the installed OPT takes."""
    try:
        from transformers.cache_utils import DynamicCache
    except ImportError:
        return past
    if hasattr(DynamicCache, "from_legacy_cache"):
        return DynamicCache.from_legacy_cache(past)
    cache = DynamicCache()
    for i, (k, v) in enumerate(past):
        cache.update(k, v, i)
    return cache


def from_cache(cache):
    if hasattr(cache, "to_legacy_cache"):
        return cache.to_legacy_cache()
    if hasattr(cache, "layers"):
        return tuple((layer.keys, layer.values) for layer in cache.layers)
    return cache


class Llm(nn.Module):
    """inputs_embeds, attention_mask, past k/v (flat) -> logits, present k/v
    (flat). OPT takes positions from the attention mask."""

    def __init__(self, lm, layers):
        super().__init__()
        self.lm = lm
        self.layers = layers

    def forward(self, inputs_embeds, attention_mask, *past_flat):
        past = tuple((past_flat[2 * i], past_flat[2 * i + 1]) for i in range(self.layers))
        out = self.lm(inputs_embeds=inputs_embeds, attention_mask=attention_mask, past_key_values=to_cache(past),
                      use_cache=True, return_dict=True)
        present = from_cache(out.past_key_values)
        return (out.logits,) + tuple(t for kv in present for t in kv)


def graph_modules(itm, cap):
    """graph id -> module; caption graphs only when cap is given."""
    mods = {"vision": Vision(itm.vision_model), "itc_image": ItcImage(itm), "itc_text": ItcText(itm),
            "itm": Itm(itm)}
    if cap is not None:
        lm = cap.language_model
        mods["caption_prefix"] = CaptionPrefix(cap)
        mods["llm_embed"] = LlmEmbed(lm)
        mods["llm"] = Llm(lm, cap.config.text_config.num_hidden_layers)
    return mods


# ---- inputs -------------------------------------------------------------------

def load_rgb(path):
    """An image as PIL RGB; alpha composited over white (golden images carry
    no alpha, so every preprocessing agrees on them)."""
    from PIL import Image
    img = Image.open(path)
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    return img.convert("RGB")


def pixels(image_processor, images):
    return image_processor(images=images, return_tensors="pt")["pixel_values"].float()


def qformer_ids(tokenizer, texts, max_length):
    """Plain BERT ids ([CLS] ... [SEP], right truncation, right padding).
    NOT the processor: newer Blip2Processors prepend num_query_tokens image
    placeholder tokens to the text, which the Q-Former must not see."""
    enc = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]


def llm_prompt_ids(tokenizer, prompt, bos_token_id):
    """[bos] + the prompt's ids, as the engine builds them."""
    return [bos_token_id] + tokenizer(prompt, add_special_tokens=False)["input_ids"]


def stop_token_id(tokenizer):
    ids = tokenizer("\n", add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise ValueError("the LLM tokenizer splits a newline into %s" % ids)
    return ids[0]


# ---- HF reference outputs -----------------------------------------------------

@torch.no_grad()
def hf_reference(itm, cap, pix, ids, mask, itm_pairs, prompt_ids, stop_id, max_new_tokens, llm_text_ids=None):
    """Outputs of the HF classes themselves, as numpy (float64):
    image_tokens (vision_model hidden_states[-1], before post_layernorm),
    ITC image_embeds / text_embeds / scores (Blip2ForImageTextRetrieval in ITC
    mode), ITM logits per (image i, text j) (ITM mode), and with cap: greedy
    captions of Blip2ForConditionalGeneration.generate and the LM's last
    logits after llm_text_ids (no image)."""
    import bundle_spec
    dev = next(itm.parameters()).device
    pix, ids, mask = pix.to(dev), ids.to(dev), mask.to(dev)
    ref = {}
    vis = itm.vision_model(pixel_values=pix, output_hidden_states=True, return_dict=True)
    ref["image_tokens"] = vis.hidden_states[-1]
    itc = itm(pixel_values=pix, input_ids=ids, attention_mask=mask, use_image_text_matching_head=False,
              return_dict=True)
    ref["query_embeds"] = itc.image_embeds
    ref["text_embeds"] = itc.text_embeds
    ref["itc_scores"] = itc.logits_per_image
    rows = []
    for i, j in itm_pairs:
        out = itm(pixel_values=pix[i:i + 1], input_ids=ids[j:j + 1], attention_mask=mask[j:j + 1],
                  use_image_text_matching_head=True, return_dict=True)
        rows.append(out.logits_per_image[0])
    ref["itm_logits"] = torch.stack(rows)
    ref = {k: v.double().cpu().numpy() for k, v in ref.items()}
    if cap is not None:
        cdev = next(cap.parameters()).device
        image_token = getattr(cap.config, "image_token_index", None)
        lead = [image_token] * cap.config.num_query_tokens if image_token is not None else []
        captions = []
        for i in range(pix.shape[0]):
            inp = torch.tensor([lead + prompt_ids], device=cdev)
            gen = cap.generate(pixel_values=pix[i:i + 1].to(cdev), input_ids=inp,
                               attention_mask=torch.ones_like(inp), do_sample=False, num_beams=1,
                               max_new_tokens=max_new_tokens, min_new_tokens=0, eos_token_id=stop_id,
                               repetition_penalty=1.0, no_repeat_ngram_size=0, length_penalty=1.0)
            captions.append(bundle_spec.new_tokens(gen[0].tolist(), lead + prompt_ids,
                                                   cap.config.text_config.bos_token_id))
        ref["captions"] = captions
        # the first decoding step through HF's forward: logits at the prompt's last position
        firsts = []
        for i in range(pix.shape[0]):
            inp = torch.tensor([lead + prompt_ids], device=cdev)
            out = cap(pixel_values=pix[i:i + 1].to(cdev), input_ids=inp, attention_mask=torch.ones_like(inp),
                      return_dict=True)
            firsts.append(out.logits[0, -1].double().cpu().numpy())
        ref["first_step_logits"] = np.stack(firsts)
        if llm_text_ids is not None:
            out = cap.language_model(input_ids=torch.tensor([llm_text_ids], device=cdev), return_dict=True)
            ref["llm_last_logits"] = out.logits[0, -1].double().cpu().numpy()
    return ref
