"""BLIP-2 at small scale, faithful to the BLIP-2 paper and LAVIS (trunk, Q-Former, heads, LM; docs/bundle.md has the graphs).

VisionTrunk  : patch embedding + CLS + positions + pre-norm blocks, no final
               norm (the trunk output is what the bundle's vision graph returns).
QFormer      : BERT-shaped; 32 learned queries before the text tokens, queries
               get no position embedding; self-attention shared by queries and
               text; cross-attention to the image tokens every cross_every layers, for
               query positions only; separate feed-forward weights for queries.
Blip2Stage1  : ln_vision (the checkpoint's post-norm) + Q-Former + vision_proj,
               text_proj, itm_head, and the ITG head tied to word embeddings.
TinyLM       : decoder-only LM with learned positions and a KV cache, tied head.
Blip2Stage2  : its own ln_vision + Q-Former + language_projection in front of
               the frozen LM.
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    image_size: int = 48
    patch: int = 8
    vit_width: int = 192          # Dv
    vit_layers: int = 4
    vit_heads: int = 3
    qf_hidden: int = 384          # H: MiniLM's width, whose first layers start the Q-Former
    qf_layers: int = 2
    # which pretrained MiniLM layers start the Q-Former's: its first layer's [CLS] output is the
    # same for every text (std 6e-4 across texts), its last layer's carries the sentence
    qf_init_layers: tuple = (0, 5)
    qf_heads: int = 12
    qf_intermediate: int = 1536
    cross_every: int = 1           # cross-attention in every layer: with two layers, ITM needs the image where the text is
    num_queries: int = 32
    embed_dim: int = 64           # E
    trunk_embed_dim: int = 256    # the trunk's own CLIP-style head (stage 0), not exported
    qf_vocab: int = 30523
    text_max_len: int = 35
    max_positions: int = 64
    lm_hidden: int = 128          # Dl
    lm_layers: int = 3
    lm_heads: int = 4
    lm_vocab: int = 50257
    lm_max_positions: int = 96

    @property
    def num_tokens(self):          # T
        return (self.image_size // self.patch) ** 2 + 1

    def to_dict(self):
        return asdict(self)


class Attention(nn.Module):
    """Multi-head attention; keys/values may come from another sequence."""

    def __init__(self, dim, heads, kv_dim=None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.heads = heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(kv_dim, dim)
        self.value = nn.Linear(kv_dim, dim)

    def split(self, x):
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x, kv=None, bias=None):
        kv = x if kv is None else kv
        q, k, v = self.split(self.query(x)), self.split(self.key(kv)), self.split(self.value(kv))
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        if bias is not None:
            scores = scores + bias
        out = scores.softmax(-1) @ v
        b, h, n, d = out.shape
        return out.transpose(1, 2).reshape(b, n, h * d)


class VitBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.proj(self.attn(self.norm1(x)))
        return x + self.mlp(self.norm2(x))


class VisionTrunk(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, c.vit_width, c.patch, c.patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.vit_width))
        self.pos_embed = nn.Parameter(torch.randn(1, c.num_tokens, c.vit_width) * 0.02)
        self.blocks = nn.ModuleList(VitBlock(c.vit_width, c.vit_heads) for _ in range(c.vit_layers))

    def forward(self, pixel_values):
        x = self.patch_embed(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return x


class TrunkHead(nn.Module):
    """Stage 0 only: the trunk's CLIP-style image embedding (CLS and mean patch
    token, normalized and projected), trained against frozen sentence
    embeddings of the texts; dropped once the trunk is frozen."""

    def __init__(self, c, text_dim):
        super().__init__()
        self.norm = nn.LayerNorm(2 * c.vit_width)
        self.image_proj = nn.Linear(2 * c.vit_width, c.trunk_embed_dim)
        self.text_proj = nn.Linear(text_dim, c.trunk_embed_dim)
        self.temp = nn.Parameter(torch.tensor(0.07))

    def image(self, tokens):
        pooled = torch.cat([tokens[:, 0], tokens[:, 1:].mean(1)], -1)
        return F.normalize(self.image_proj(self.norm(pooled)), dim=-1)

    def text(self, sentence):
        return F.normalize(self.text_proj(sentence), dim=-1)


class FeedForward(nn.Module):
    def __init__(self, dim, inter):
        super().__init__()
        self.dense = nn.Linear(dim, inter)
        self.out = nn.Linear(inter, dim)
        self.norm = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, x):
        return self.norm(x + self.out(F.gelu(self.dense(x))))


class QFormerLayer(nn.Module):
    """BERT post-norm layer with query-only cross-attention and query FFN."""

    def __init__(self, c, has_cross):
        super().__init__()
        h = c.qf_hidden
        self.self_attn = Attention(h, c.qf_heads)
        self.self_out = nn.Linear(h, h)
        self.self_norm = nn.LayerNorm(h, eps=1e-12)
        self.has_cross = has_cross
        if has_cross:
            self.cross_attn = Attention(h, c.qf_heads, kv_dim=c.vit_width)
            self.cross_out = nn.Linear(h, h)
            self.cross_norm = nn.LayerNorm(h, eps=1e-12)
        self.ffn = FeedForward(h, c.qf_intermediate)
        self.ffn_query = FeedForward(h, c.qf_intermediate)

    def forward(self, x, nq, bias, image):
        x = self.self_norm(x + self.self_out(self.self_attn(x, bias=bias)))
        q, t = x[:, :nq], x[:, nq:]
        if nq > 0:
            if self.has_cross and image is not None:
                q = self.cross_norm(q + self.cross_out(self.cross_attn(q, kv=image)))
            q = self.ffn_query(q)
        if t.shape[1] > 0:
            t = self.ffn(t)
        return torch.cat([q, t], 1)


class QFormer(nn.Module):
    def __init__(self, c, with_text=True):
        super().__init__()
        h = c.qf_hidden
        self.query_tokens = nn.Parameter(torch.randn(1, c.num_queries, h) * 0.02)
        if with_text:
            self.word_embeddings = nn.Embedding(c.qf_vocab, h)
            self.position_embeddings = nn.Embedding(c.max_positions, h)
            nn.init.normal_(self.word_embeddings.weight, std=0.02)
            nn.init.normal_(self.position_embeddings.weight, std=0.02)
        self.emb_norm = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(QFormerLayer(c, i % c.cross_every == 0) for i in range(c.qf_layers))

    @torch.no_grad()
    def load_bert(self, w, layers):
        """Starts the text embeddings and every layer's self-attention and both
        FFNs from a pretrained BERT (HF names, see minilm.py), layer i from
        pretrained layer layers[i]; the query FFN copies the pretrained FFN as
        LAVIS does, cross-attention stays random. The token-type-0 embedding is
        folded into the positions."""
        t = lambda k: torch.from_numpy(w[k])
        if hasattr(self, "word_embeddings"):
            vocab = t("embeddings.word_embeddings.weight")
            self.word_embeddings.weight[:vocab.shape[0]] = vocab
            self.word_embeddings.weight[vocab.shape[0]:] = vocab[101]  # [DEC] starts as [CLS]
            n = self.position_embeddings.weight.shape[0]
            self.position_embeddings.weight.copy_(t("embeddings.position_embeddings.weight")[:n]
                                                  + t("embeddings.token_type_embeddings.weight")[0])
        self.emb_norm.weight.copy_(t("embeddings.LayerNorm.weight"))
        self.emb_norm.bias.copy_(t("embeddings.LayerNorm.bias"))
        for layer, source in zip(self.layers, layers):
            p = "encoder.layer.%d." % source
            lin = lambda mod, name: (mod.weight.copy_(t(p + name + ".weight")),
                                     mod.bias.copy_(t(p + name + ".bias")))
            lin(layer.self_attn.query, "attention.self.query")
            lin(layer.self_attn.key, "attention.self.key")
            lin(layer.self_attn.value, "attention.self.value")
            lin(layer.self_out, "attention.output.dense")
            lin(layer.self_norm, "attention.output.LayerNorm")
            for ffn in (layer.ffn, layer.ffn_query):
                lin(ffn.dense, "intermediate.dense")
                lin(ffn.out, "output.dense")
                lin(ffn.norm, "output.LayerNorm")

    def forward(self, image=None, input_ids=None, text_mask=None, use_queries=True, causal=False):
        """Returns hidden states [B, nq + L, H]; queries first.

        causal=True is the ITG mask: queries see queries only, text sees all
        queries and the text before it.
        """
        parts, masks = [], []
        b = image.shape[0] if image is not None else input_ids.shape[0]
        nq = 0
        if use_queries:
            nq = self.query_tokens.shape[1]
            parts.append(self.query_tokens.expand(b, -1, -1))
            masks.append(torch.ones(b, nq, dtype=torch.long, device=self.query_tokens.device))
        if input_ids is not None:
            pos = torch.arange(input_ids.shape[1], device=input_ids.device)
            parts.append(self.word_embeddings(input_ids) + self.position_embeddings(pos)[None])
            masks.append(text_mask)
        x = self.emb_norm(torch.cat(parts, 1))
        mask = torch.cat(masks, 1).to(x.dtype)
        n = x.shape[1]
        bias = (1.0 - mask)[:, None, None, :] * -10000.0  # [B,1,1,N]
        if causal:
            allowed = torch.ones(n, n, device=x.device).tril()
            allowed[:nq, nq:] = 0          # queries do not see text
            allowed[nq:, :nq] = 1          # text sees every query
            bias = bias + (1.0 - allowed)[None, None] * -10000.0
        for layer in self.layers:
            x = layer(x, nq, bias, image)
        return x


class Blip2Stage1(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.ln_vision = nn.LayerNorm(c.vit_width, eps=1e-6)
        self.qformer = QFormer(c)
        self.vision_proj = nn.Linear(c.qf_hidden, c.embed_dim)
        self.text_proj = nn.Linear(c.qf_hidden, c.embed_dim)
        self.itm_head = nn.Linear(c.qf_hidden, 2)
        self.lm_transform = nn.Sequential(nn.Linear(c.qf_hidden, c.qf_hidden), nn.GELU(),
                                          nn.LayerNorm(c.qf_hidden, eps=1e-12))
        self.lm_bias = nn.Parameter(torch.zeros(c.qf_vocab))
        self.temp = nn.Parameter(torch.tensor(0.07))

    def image_queries(self, trunk):
        """trunk tokens -> normalized ITC query embeds [B, 32, E]."""
        q = self.qformer(image=self.ln_vision(trunk))
        return F.normalize(self.vision_proj(q), dim=-1)

    def text_embeds(self, ids, mask):
        h = self.qformer(input_ids=ids, text_mask=mask, use_queries=False)
        return F.normalize(self.text_proj(h[:, 0]), dim=-1)

    def itm_logits(self, trunk, ids, mask):
        nq = self.c.num_queries
        h = self.qformer(image=self.ln_vision(trunk), input_ids=ids, text_mask=mask)
        return self.itm_head(h[:, :nq]).mean(1)

    def itg_loss(self, trunk, ids, mask, dec_id):
        nq = self.c.num_queries
        dec_ids = ids.clone()
        dec_ids[:, 0] = dec_id
        h = self.qformer(image=self.ln_vision(trunk), input_ids=dec_ids, text_mask=mask, causal=True)
        logits = self.lm_transform(h[:, nq:-1]) @ self.qformer.word_embeddings.weight.t() + self.lm_bias
        labels = dec_ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                               ignore_index=-100, label_smoothing=0.1)


class LmBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, bias, past_k, past_v):
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        shape = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = shape(q), shape(k), shape(v)
        k = torch.cat([past_k, k], 2)
        v = torch.cat([past_v, v], 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + bias
        out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = x + self.proj(out)
        return x + self.mlp(self.norm2(x)), k, v


class TinyLM(nn.Module):
    """OPT-like decoder: positions from the attention mask (cumsum), KV cache."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c.lm_vocab, c.lm_hidden)
        self.embed_positions = nn.Embedding(c.lm_max_positions, c.lm_hidden)
        self.blocks = nn.ModuleList(LmBlock(c.lm_hidden, c.lm_heads) for _ in range(c.lm_layers))
        self.final_norm = nn.LayerNorm(c.lm_hidden)
        nn.init.normal_(self.embed_tokens.weight, std=0.02)
        nn.init.normal_(self.embed_positions.weight, std=0.02)

    def empty_past(self, b, device=None):
        hd = self.c.lm_hidden // self.c.lm_heads
        z = torch.zeros(b, self.c.lm_heads, 0, hd, device=device)
        return [(z, z) for _ in self.blocks]

    def forward(self, inputs_embeds, attention_mask, past):
        """inputs_embeds [B,S,Dl]; attention_mask [B,P+S] (1 = attend); past:
        list of (key, value) [B,heads,P,hd]. Returns logits [B,S,V], present."""
        hidden, present = self.hidden(inputs_embeds, attention_mask, past)
        return self.logits(hidden), present

    def logits(self, hidden):
        return hidden @ self.embed_tokens.weight.t()

    def hidden(self, inputs_embeds, attention_mask, past):
        s = inputs_embeds.shape[1]
        total = attention_mask.shape[1]
        p = total - s
        mask = attention_mask.to(inputs_embeds.dtype)
        positions = (mask.cumsum(1) - 1).clamp(min=0).long()[:, p:]
        x = inputs_embeds + self.embed_positions(positions)
        causal = torch.ones(s, total, device=x.device).tril(diagonal=p)
        allowed = causal[None, None] * mask[:, None, None, :]
        bias = (1.0 - allowed) * -10000.0
        present = []
        for blk, (pk, pv) in zip(self.blocks, past):
            x, k, v = blk(x, bias, pk, pv)
            present.append((k, v))
        return self.final_norm(x), present


class Blip2Stage2(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_vision = nn.LayerNorm(c.vit_width, eps=1e-6)
        self.qformer = QFormer(c, with_text=False)
        self.language_projection = nn.Linear(c.qf_hidden, c.lm_hidden)

    def prefix(self, trunk):
        return self.language_projection(self.qformer(image=self.ln_vision(trunk)))

    @classmethod
    def from_stage1(cls, c, s1):
        s2 = cls(c)
        s2.ln_vision.load_state_dict(s1.ln_vision.state_dict())
        s2.qformer.load_state_dict(s1.qformer.state_dict(), strict=False)
        return s2
