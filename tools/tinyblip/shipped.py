"""The trained modules as the bundle ships them, from a training run's
checkpoints (WORK/*.pt): float16 weights, the Q-Former's word table as int8
rows. What export.py writes and what evaluate.py and choose_rerank.py
measure, so the figures are the shipped model's.
"""
import json
import os

import torch
import torch.nn as nn

from model import Blip2Stage1, Blip2Stage2, Config, TinyLM, VisionTrunk
from onnx_bundle import EXTERNAL_MIN_BYTES


class Int8Embedding(nn.Module):
    """A word-embedding table stored as int8 rows with one float16 scale each
    (Gather, Cast, Mul in the graph): the Q-Former's 30,523 x 384 table is a
    third of the bundle in float16, and row-wise int8 keeps each row's
    direction to about 0.4% of its largest entry."""

    def __init__(self, weight):
        super().__init__()
        scale = (weight.abs().amax(1) / 127).clamp(min=1e-8).half().float()
        self.register_buffer("q", torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale)

    @property
    def weight(self):
        return self.q.float() * self.scale[:, None]

    def forward(self, ids):
        return self.q[ids].float() * self.scale[ids].unsqueeze(-1)


def shipped(*modules):
    """Rounds every weight matrix to float16 in place (weights.bin stores it so)."""
    with torch.no_grad():
        for m in modules:
            for p in m.parameters():
                if p.numel() * 4 >= EXTERNAL_MIN_BYTES:
                    p.copy_(p.half().float())
            m.eval()


def load_stage1(work):
    """The trunk and stage-1 model as shipped: float16 weights, the Q-Former's
    word table as int8 rows."""
    cfg = Config(**json.load(open(os.path.join(work, "config.json"))))
    ck = torch.load(os.path.join(work, "stage1.pt"))
    trunk, s1 = VisionTrunk(cfg), Blip2Stage1(cfg)
    trunk.load_state_dict(ck["trunk"])
    s1.load_state_dict(ck["s1"])
    shipped(trunk, s1)
    s1.qformer.word_embeddings = Int8Embedding(s1.qformer.word_embeddings.weight.detach())
    return cfg, trunk, s1


def load_models(work):
    """Every trained module as shipped (see load_stage1)."""
    cfg, trunk, s1 = load_stage1(work)
    s2, lm = Blip2Stage2(cfg), TinyLM(cfg)
    s2.load_state_dict(torch.load(os.path.join(work, "stage2.pt"))["s2"])
    lm.load_state_dict(torch.load(os.path.join(work, "lm.pt"))["lm"])
    shipped(s2, lm)
    return cfg, (trunk, s1, s2, lm)


def rerank_settings(work):
    """The fusion weight and default depth chosen on validation (choose_rerank.py)."""
    return json.load(open(os.path.join(work, "rerank.json")))["chosen"]
