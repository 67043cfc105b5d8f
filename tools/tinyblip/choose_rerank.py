"""Chooses the bundle's rerank defaults on the validation split only (held-out
concepts of the training styles; never the apple test set): the ITM weight w
of the fusion ITC + w x ITM class-1 logit (w = 1 is LAVIS's sum) and the
default rerank depth, from the shipped (rounded) weights. When no ITM weight
beats ITC alone, the default depth is 0 (rerank off: it would only cost time)
and the weight LAVIS's 1 (what a rerank asked for explicitly uses).

Writes WORK/rerank.json: {"grid": [...], "chosen": {"fusion", "itm_weight",
"depth"}}; export.py copies "chosen" into bundle.json.
"""
import argparse
import json
import os

import torch

import data
import retrieval
from shipped import load_stage1
from train import val_views

WEIGHTS = (0.0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0)
DEPTHS = (8, 16, 32)
TIE = 0.002  # a deeper (slower) rerank must beat a shallower one by more than this


@torch.no_grad()
def val_candidates(ds, trunk, s1, depth, limit=None):
    """Per (style, field, direction): ITC matrix, ITC top `depth`, their ITM logits."""
    out = []
    for style, pairs in val_views(ds).items():
        pairs = pairs[:limit]
        tokens, queries = retrieval.encode_images(s1, trunk, ds.stack(pairs))
        for field in ("name", "label"):
            texts = [ds.concepts[c][field] for c, _ in pairs]
            ids, mask = ds.pad_texts(texts)
            sim = retrieval.itc_matrix(queries, retrieval.encode_texts(s1, ds, texts))
            t2i = lambda rows, cols: s1.itm_logits(tokens[cols], ids[rows], mask[rows])
            i2t = lambda rows, cols: s1.itm_logits(tokens[rows], ids[cols], mask[cols])
            for direction, m, fn in (("t2i", sim.t(), t2i), ("i2t", sim, i2t)):
                out.append((style, field, direction, m) + retrieval.itm_top(m, depth, fn))
    return out


def choose(grid):
    """The shallowest depth within TIE of the best validation R@1, and its weight. When the best
    weight is 0 (ITM does not help on validation) the default depth is 0 (rerank off: it would
    only cost time) and the weight LAVIS's 1, so that a rerank a user asks for is a real one."""
    best = max(g["val_r1"] for g in grid)
    chosen = min((g for g in grid if g["val_r1"] >= best - TIE), key=lambda g: (g["depth"], -g["val_r1"]))
    if chosen["itm_weight"] == 0:
        return {"chosen": {"fusion": "lavis", "itm_weight": 1.0, "depth": 0}, "chosen_val_r1": chosen["val_r1"]}
    return {"chosen": {"fusion": "lavis", "itm_weight": chosen["itm_weight"], "depth": chosen["depth"]},
            "chosen_val_r1": chosen["val_r1"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--limit", type=int, help="smoke runs: the first N concepts of each style")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg, trunk, s1 = load_stage1(args.work)
    ds = data.Dataset(args.cache, cfg, splits=("val",))
    cands = val_candidates(ds, trunk, s1, max(DEPTHS), args.limit)
    itc = sum(retrieval.recall(m)[1] for *_, m, _, _ in cands) / len(cands)
    grid = []
    for depth in DEPTHS:
        for w in WEIGHTS:
            r1 = sum(retrieval.recall(retrieval.fuse(m, top, logits, w, depth))[1]
                     for *_, m, top, logits in cands) / len(cands)
            grid.append({"depth": depth, "itm_weight": w, "val_r1": round(r1, 4)})
    result = {"val_itc_r1": round(itc, 4), "grid": grid, **choose(grid)}
    with open(os.path.join(args.work, "rerank.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "grid"}))


if __name__ == "__main__":
    main()
