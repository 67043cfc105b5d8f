"""Training and evaluation data: preprocessed images, tokenized texts, batches."""
import json
import math
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

import preprocess
import tokenization

ALPHA_RULE = "white"  # emoji are transparent; their hidden pixels are often black
CAPTION_PROMPT = "an emoji of"
QUESTION_PROMPT = "Question: {} Short answer:"


class Dataset:
    def __init__(self, cache, cfg, limit=None, splits=None):
        """splits: the splits whose images to load (default all; () for texts only)."""
        data = json.load(open(os.path.join(cache, "data.json")))
        self.concepts = data["concepts"]
        self.split = data["split"]
        if limit:  # smoke runs: a few concepts only
            keep = {c["id"] for c in self.concepts[:limit]}
            self.split = {k: [p for p in v if p[0] in keep] for k, v in self.split.items()}
        self.bert, self.gpt2, self.bert_json, self.gpt2_json = tokenization.load(cache)
        self.cfg = cfg
        self.pixels = {}
        for name, pairs in self.split.items():
            if splits is not None and name not in splits:
                continue
            for cid, vendor in pairs:
                path = self.concepts[cid]["images"][vendor]
                self.pixels[(cid, vendor)] = torch.from_numpy(
                    preprocess.load(path, cfg.image_size, ALPHA_RULE))
        self.text_ids = {}
        white = torch.tensor([(1 - m) / s for m, s in zip(preprocess.MEAN, preprocess.STD)])
        self.white = white.view(1, 3, 1, 1)

    def qf_ids(self, text):
        if text not in self.text_ids:
            self.text_ids[text] = self.bert.encode(text, self.cfg.text_max_len)
        return self.text_ids[text]

    def pad_texts(self, texts):
        seqs = [self.qf_ids(t) for t in texts]
        n = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), n), self.bert.pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), n), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = 1
        return ids, mask

    def train_by_concept(self):
        by = {}
        for cid, vendor in self.split["train"]:
            by.setdefault(cid, []).append(vendor)
        return by

    def stack(self, pairs):
        return torch.stack([self.pixels[tuple(p)] for p in pairs])

    def augment(self, x, rng, strong=False):
        """Random scale, shift (and, strong, rotation, contrast/brightness and
        grey) over a white background (the alpha rule): art styles differ in
        stroke, shading and palette, so the trunk must not key on them."""
        b = x.shape[0]
        lo, hi, shift, turn = (0.7, 1.2, 0.15, 0.25) if strong else (0.8, 1.15, 0.12, 0.0)
        scale = torch.tensor([rng.uniform(lo, hi) for _ in range(b)])
        angle = torch.tensor([rng.uniform(-turn, turn) for _ in range(b)])
        theta = torch.zeros(b, 2, 3)
        theta[:, 0, 0] = torch.cos(angle) / scale
        theta[:, 0, 1] = -torch.sin(angle) / scale
        theta[:, 1, 0] = torch.sin(angle) / scale
        theta[:, 1, 1] = torch.cos(angle) / scale
        theta[:, 0, 2] = torch.tensor([rng.uniform(-shift, shift) for _ in range(b)])
        theta[:, 1, 2] = torch.tensor([rng.uniform(-shift, shift) for _ in range(b)])
        grid = F.affine_grid(theta, x.shape, align_corners=False)
        out = F.grid_sample(x - self.white, grid, mode="bilinear", padding_mode="zeros",
                            align_corners=False)
        if strong:
            contrast = torch.tensor([rng.uniform(0.7, 1.3) for _ in range(b)]).view(b, 1, 1, 1)
            out = out * contrast
            grey = torch.tensor([rng.random() < 0.1 for _ in range(b)]).view(b, 1, 1, 1)
            out = torch.where(grey, out.mean(1, keepdim=True).expand_as(out), out)
        return out + self.white

    def sample_text(self, cid, rng):
        """A text for concept cid: mostly the CLDR label or the Unicode name
        (what people type and what the eval asks), sometimes a short name or
        shortcode, sometimes its CLDR keywords (weaker, shared positives)."""
        c = self.concepts[cid]
        r = rng.random()
        if r < 0.4:
            return c["label"]
        if r < 0.6:
            return c["name"]
        if r < 0.85 or not c["tags"]:
            return rng.choice(c["texts"])
        return ", ".join(rng.sample(c["tags"], min(3, len(c["tags"]))))

    def caption_target(self, cid):
        return " " + self.concepts[cid]["label"] + "\n"

    def lm_sequences(self, prompt_ids, targets):
        """[eot] + prompt + target per row, right-padded; loss mask on targets."""
        rows = [[self.gpt2.eot] + prompt_ids + self.gpt2.encode(t) for t in targets]
        n = max(len(r) for r in rows)
        ids = torch.zeros((len(rows), n), dtype=torch.long)
        mask = torch.zeros((len(rows), n), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        loss_mask = mask.clone()
        loss_mask[:, :1 + len(prompt_ids)] = 0
        return ids, mask, loss_mask


def cosine_lr(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
