"""Train the tiny BLIP-2: stage 1 (trunk + Q-Former with ITC + ITM + ITG),
LM pretraining on text alone, stage 2 (Q-Former + language_projection in
front of the FROZEN LM and the frozen trunk, LM loss on the soft prompt).

Writes WORK/{config.json, stage1.pt, lm.pt, stage2.pt, train_log.jsonl}.
"""
import argparse
import json
import os
import random
import time

import torch
import torch.nn.functional as F

import data
import retrieval
from model import Blip2Stage1, Blip2Stage2, Config, TinyLM, VisionTrunk

SMOKE = dict(vit_layers=1, qf_layers=2, lm_layers=1)


class Log:
    def __init__(self, path):
        self.f = open(path, "a")
        self.t0 = time.time()

    def __call__(self, **kw):
        kw["elapsed_s"] = round(time.time() - self.t0, 1)
        line = json.dumps(kw)
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


@torch.no_grad()
def validate(ds, trunk, s1):
    trunk.eval(), s1.eval()
    pairs = ds.split["val"]
    if not pairs:
        return {}
    pixels = ds.stack(pairs)
    _, queries = retrieval.encode_images(s1, trunk, pixels)
    texts = retrieval.encode_texts(s1, ds, [ds.concepts[c]["name"] for c, _ in pairs])
    sim = retrieval.itc_matrix(queries, texts)
    r_t2i, r_i2t = retrieval.recall(sim.t()), retrieval.recall(sim)
    trunk.train(), s1.train()
    return {"val_t2i_r1": r_t2i[1], "val_t2i_r10": r_t2i[10], "val_i2t_r1": r_i2t[1]}


def stage1_step(ds, trunk, s1, batch_pairs, texts, rng):
    b = len(batch_pairs)
    tokens = trunk(ds.augment(ds.stack(batch_pairs), rng))
    queries = s1.image_queries(tokens)
    ids, mask = ds.pad_texts(texts)
    text = s1.text_embeds(ids, mask)
    sim = retrieval.itc_matrix(queries, text)  # [B, B]
    logits = sim / s1.temp.clamp(0.01, 0.5)
    labels = torch.arange(b)
    itc = (F.cross_entropy(logits, labels, label_smoothing=0.1)
           + F.cross_entropy(logits.t(), labels, label_smoothing=0.1)) / 2
    # ITM with hard negatives mined from ITC similarities (BLIP-2 stage 1)
    with torch.no_grad():
        w = F.softmax(logits.detach(), dim=1) + 1e-5
        w.fill_diagonal_(0)
        neg_text = torch.multinomial(w, 1).squeeze(1)
        w = F.softmax(logits.detach().t(), dim=1) + 1e-5
        w.fill_diagonal_(0)
        neg_image = torch.multinomial(w, 1).squeeze(1)
    # ITM and ITG on a slice of the batch: on 2 cores the full batch costs
    # more than the vision trunk and both heads learn well from fewer pairs.
    h = (neg_text[:b // 2], neg_image[:b // 2], slice(0, b // 2))
    all_tokens = torch.cat([tokens[h[2]], tokens[h[2]], tokens[h[1]]])
    all_ids = torch.cat([ids[h[2]], ids[h[0]], ids[h[2]]])
    all_mask = torch.cat([mask[h[2]], mask[h[0]], mask[h[2]]])
    itm_logits = s1.itm_logits(all_tokens, all_ids, all_mask)
    itm_labels = torch.cat([torch.ones(b // 2), torch.zeros(b)]).long()
    itm = F.cross_entropy(itm_logits, itm_labels)
    g = slice(0, b // 3)
    itg = s1.itg_loss(tokens[g], ids[g], mask[g], ds.bert.dec)
    return itc, itm, itg


def train_stage1(ds, cfg, args, log):
    rng = random.Random(args.seed)
    trunk, s1 = VisionTrunk(cfg), Blip2Stage1(cfg)
    params = list(trunk.parameters()) + list(s1.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.05)
    by_concept = ds.train_by_concept()
    concepts = sorted(by_concept)
    order, pos = [], 0
    for step in range(args.stage1_steps):
        if pos + args.batch > len(order):
            order, pos = concepts[:], 0
            rng.shuffle(order)
        chosen = order[pos:pos + args.batch]
        pos += args.batch
        pairs = [(c, rng.choice(by_concept[c])) for c in chosen]
        texts = [rng.choice(ds.concepts[c]["texts"]) for c in chosen]
        for g in opt.param_groups:
            g["lr"] = data.cosine_lr(step, args.stage1_steps, args.lr, args.warmup)
        itc, itm, itg = stage1_step(ds, trunk, s1, pairs, texts, rng)
        loss = itc + itm + itg
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % args.log_every == 0 or step == args.stage1_steps - 1:
            extra = validate(ds, trunk, s1) if step % (args.log_every * 10) == 0 \
                or step == args.stage1_steps - 1 else {}
            log(stage=1, step=step, itc=round(itc.item(), 4), itm=round(itm.item(), 4),
                itg=round(itg.item(), 4), temp=round(s1.temp.item(), 4), **extra)
    return trunk, s1


def lm_loss(lm, prefix, ids, mask, loss_mask):
    """Next-token loss on the loss_mask positions; prefix = soft prompt or None."""
    embeds = lm.embed_tokens(ids)
    if prefix is not None:
        zeros = torch.zeros(ids.shape[0], prefix.shape[1], dtype=torch.long)
        embeds = torch.cat([prefix, embeds], 1)
        mask = torch.cat([zeros + 1, mask], 1)
        loss_mask = torch.cat([zeros, loss_mask], 1)
        ids = torch.cat([zeros, ids], 1)
    hidden, _ = lm.hidden(embeds, mask, lm.empty_past(ids.shape[0]))
    keep = loss_mask[:, 1:] == 1  # logits only where there is a label: the vocab is 50k
    return F.cross_entropy(lm.logits(hidden[:, :-1][keep]), ids[:, 1:][keep])


def train_lm(ds, cfg, args, log):
    """The LM learns the caption language from text alone, then is frozen."""
    rng = random.Random(args.seed + 1)
    lm = TinyLM(cfg)
    opt = torch.optim.AdamW(lm.parameters(), lr=args.lr, weight_decay=0.01)
    texts = sorted({t for c in ds.concepts for t in c["texts"]})
    prompt = ds.gpt2.encode(data.CAPTION_PROMPT)
    for step in range(args.lm_steps):
        batch = [" " + rng.choice(texts) + "\n" for _ in range(args.batch)]
        ids, mask, loss_mask = ds.lm_sequences(prompt, batch)
        for g in opt.param_groups:
            g["lr"] = data.cosine_lr(step, args.lm_steps, args.lr, args.warmup // 4)
        loss = lm_loss(lm, None, ids, mask, loss_mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.log_every == 0 or step == args.lm_steps - 1:
            log(stage="lm", step=step, loss=round(loss.item(), 4))
    return lm


def train_stage2(ds, cfg, args, trunk, s1, lm, log):
    rng = random.Random(args.seed + 2)
    for p in list(trunk.parameters()) + list(lm.parameters()):
        p.requires_grad_(False)
    trunk.eval(), lm.eval()
    s2 = Blip2Stage2.from_stage1(cfg, s1)
    opt = torch.optim.AdamW(s2.parameters(), lr=args.lr, weight_decay=0.05)
    pairs = [tuple(p) for p in ds.split["train"]]
    prompt = ds.gpt2.encode(data.CAPTION_PROMPT)
    for step in range(args.stage2_steps):
        batch = [rng.choice(pairs) for _ in range(args.batch)]
        with torch.no_grad():
            tokens = trunk(ds.augment(ds.stack(batch), rng))
        ids, mask, loss_mask = ds.lm_sequences(prompt, [ds.caption_target(c) for c, _ in batch])
        for g in opt.param_groups:
            g["lr"] = data.cosine_lr(step, args.stage2_steps, args.lr, args.warmup // 4)
        loss = lm_loss(lm, s2.prefix(tokens), ids, mask, loss_mask)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(s2.parameters(), 1.0)
        opt.step()
        if step % args.log_every == 0 or step == args.stage2_steps - 1:
            log(stage=2, step=step, loss=round(loss.item(), 4))
    return s2


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--smoke", action="store_true", help="tiny config, few concepts, few steps")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=400)
    ap.add_argument("--stage1-steps", type=int, default=6000)
    ap.add_argument("--lm-steps", type=int, default=1500)
    ap.add_argument("--stage2-steps", type=int, default=2500)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data.seed_all(args.seed)
    cfg = Config(**SMOKE) if args.smoke else Config()
    os.makedirs(args.work, exist_ok=True)
    json.dump(cfg.to_dict(), open(os.path.join(args.work, "config.json"), "w"), indent=1)
    ds = data.Dataset(args.cache, cfg, limit=40 if args.smoke else None)
    log = Log(os.path.join(args.work, "train_log.jsonl"))
    log(event="start", args=vars(args), train=len(ds.split["train"]), val=len(ds.split["val"]))
    trunk, s1 = train_stage1(ds, cfg, args, log)
    torch.save({"trunk": trunk.state_dict(), "s1": s1.state_dict()}, os.path.join(args.work, "stage1.pt"))
    lm = train_lm(ds, cfg, args, log)
    torch.save(lm.state_dict(), os.path.join(args.work, "lm.pt"))
    s2 = train_stage2(ds, cfg, args, trunk, s1, lm, log)
    torch.save(s2.state_dict(), os.path.join(args.work, "stage2.pt"))
    log(event="done")


if __name__ == "__main__":
    main()
