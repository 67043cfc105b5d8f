"""Train the tiny BLIP-2 the way BLIP-2 is built, in four resumable stages:

0. trunk  : the vision trunk alone, CLIP-style on all training styles with
            strong augmentation, against frozen sentence embeddings of the
            texts (MiniLM, mean-pooled); then frozen, as BLIP-2 freezes its ViT.
1. stage1 : the Q-Former (from MiniLM's first layers; cross-attention random)
            with ITC + ITM (hard negatives from ITC and from same-subgroup
            concepts in the batch) + ITG, on the frozen trunk.
2. lm     : the decoder LM on text alone (labels, names, short names,
            keywords, templated questions and answers), then frozen.
3. stage2 : a copy of the Q-Former + language_projection in front of the
            frozen LM and trunk, LM loss on captions and answers.

Each stage checkpoints to WORK/NAME.ckpt every --ckpt-every steps and
resumes from it; a finished stage writes WORK/NAME.pt and is skipped on rerun.
Writes WORK/{config.json, trunk.pt, stage1.pt, lm.pt, stage2.pt, train_log.jsonl}.
"""
import argparse
import json
import os
import random
import time

import torch
import torch.nn.functional as F

import data
import minilm
import retrieval
from model import Blip2Stage1, Blip2Stage2, Config, QFormer, TinyLM, TrunkHead, VisionTrunk

SMOKE = dict(vit_layers=1, qf_layers=2, lm_layers=1, lm_hidden=64)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


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


def run_stage(name, work, steps, modules, opt, step_fn, log, args, on_log=None):
    """Runs step_fn(step) -> {loss name: tensor} for `steps` steps with cosine
    LR, resuming from WORK/NAME.ckpt; returns True when the stage ran."""
    final = os.path.join(work, name + ".pt")
    if os.path.isfile(final):
        for k, m in modules.items():
            m.load_state_dict(torch.load(final)[k])
        log(stage=name, event="loaded", path=final)
        return False
    ckpt_path = os.path.join(work, name + ".ckpt")
    start = 0
    if os.path.isfile(ckpt_path):
        ck = torch.load(ckpt_path)
        for k, m in modules.items():
            m.load_state_dict(ck[k])
        opt.load_state_dict(ck["opt"])
        start = ck["step"]
        torch.set_rng_state(ck["torch_rng"])
        log(stage=name, event="resumed", step=start)
    params = [p for g in opt.param_groups for p in g["params"]]
    base_lr = [g["lr"] if "base_lr" not in g else g["base_lr"] for g in opt.param_groups]
    for g, lr in zip(opt.param_groups, base_lr):
        g["base_lr"] = lr
    for step in range(start, steps):
        for g in opt.param_groups:
            g["lr"] = data.cosine_lr(step, steps, g["base_lr"], min(args.warmup, steps // 10 + 1))
        losses = step_fn(step)
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        last = step == steps - 1
        if step % args.log_every == 0 or last:
            extra = on_log(step) if on_log and (step % (args.log_every * 5) == 0 or last) else {}
            log(stage=name, step=step, **{k: round(v.item(), 4) for k, v in losses.items()}, **extra)
        if (step + 1) % args.ckpt_every == 0 and not last:
            state = {k: m.state_dict() for k, m in modules.items()}
            state.update(opt=opt.state_dict(), step=step + 1, torch_rng=torch.get_rng_state())
            torch.save(state, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
    torch.save({k: m.state_dict() for k, m in modules.items()}, final + ".tmp")
    os.replace(final + ".tmp", final)
    if os.path.isfile(ckpt_path):
        os.remove(ckpt_path)
    return True


class Batches:
    """Concept batches without repeats; with `hard`, half of each batch are
    concepts of the same subgroup as the other half (hard ITC/ITM negatives:
    other skin tones, genders, hearts of other colours)."""

    def __init__(self, ds, size, rng, hard=False):
        self.by_concept = ds.train_by_concept()
        self.concepts = sorted(self.by_concept)
        self.by_sub = {}
        for c in self.concepts:
            self.by_sub.setdefault(ds.concepts[c]["subcategory"], []).append(c)
        self.ds, self.size, self.rng, self.hard = ds, min(size, len(self.concepts)), rng, hard

    def next(self):
        rng = self.rng
        seeds = rng.sample(self.concepts, self.size // 2 if self.hard else self.size)
        chosen, seen = [], set()
        for c in seeds:
            if c not in seen:
                chosen.append(c)
                seen.add(c)
        if self.hard:
            for c in seeds:
                mates = [m for m in self.by_sub[self.ds.concepts[c]["subcategory"]] if m not in seen]
                if mates and len(chosen) < self.size:
                    m = rng.choice(mates)
                    chosen.append(m)
                    seen.add(m)
            while len(chosen) < self.size:
                c = rng.choice(self.concepts)
                if c not in seen:
                    chosen.append(c)
                    seen.add(c)
        pairs = [(c, rng.choice(self.by_concept[c])) for c in chosen]
        return chosen, pairs


class TrunkViews:
    """The frozen trunk's tokens for every training image, computed once, as
    BLIP-2 can because its ViT is frozen: view 0 is the clean image, the
    others weakly augmented (scale, shift). Saves the trunk forward and the
    augmentation of every step (small next to the Q-Former's 3.5 s step on two
    cores, which is the stage's real cost). Kept float16 in
    WORK/trunk_views.pt (about 200 MB per view), reused on resume."""

    def __init__(self, ds, trunk, work, views, seed):
        path = os.path.join(work, "trunk_views.pt")
        self.index = {tuple(p): i for i, p in enumerate(ds.split["train"])}
        saved = torch.load(path) if os.path.isfile(path) else None
        if saved is not None and saved["views"] == views:
            self.tokens = saved["tokens"]
            return
        rng = random.Random(seed)
        pairs = ds.split["train"]
        self.tokens = torch.empty(len(pairs), views, ds.cfg.num_tokens, ds.cfg.vit_width,
                                  dtype=torch.float16)
        with torch.no_grad():
            for i in range(0, len(pairs), 512):
                x = ds.stack(pairs[i:i + 512])
                for v in range(views):
                    self.tokens[i:i + len(x), v] = trunk(x if v == 0 else ds.augment(x, rng)).half()
        torch.save({"views": views, "tokens": self.tokens}, path + ".tmp")
        os.replace(path + ".tmp", path)

    def sample(self, pairs, rng):
        rows = torch.tensor([self.index[tuple(p)] for p in pairs])
        views = torch.tensor([rng.randrange(self.tokens.shape[1]) for _ in pairs])
        return self.tokens[rows, views].float()


def contrastive(a, b, temp):
    logits = a @ b.t() / temp.clamp(0.01, 0.5)
    labels = torch.arange(a.shape[0])
    return (F.cross_entropy(logits, labels, label_smoothing=0.1)
            + F.cross_entropy(logits.t(), labels, label_smoothing=0.1)) / 2


@torch.no_grad()
def sentence_embeddings(ds, cache, texts):
    """Frozen MiniLM sentence embeddings (all six layers, mean over tokens)."""
    c = Config(qf_layers=minilm.LAYERS)
    enc = QFormer(c)
    enc.load_bert(minilm.bert_weights(minilm.fetch(cache, ROOT)), range(minilm.LAYERS))
    enc.eval()
    out = {}
    for i in range(0, len(texts), 256):
        chunk = texts[i:i + 256]
        ids, mask = ds.pad_texts(chunk)
        h = enc(input_ids=ids, text_mask=mask, use_queries=False)
        emb = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        out.update(zip(chunk, emb))
    return out


VAL_UNSEEN = 300


def hide_style(ds, style, rng):
    """Moves every training image of `style` out of training and VAL_UNSEEN of
    them into validation: the proxy, within the training styles, for a test
    style never seen (apple)."""
    hidden = [p for p in ds.split["train"] if p[1] == style]
    if not hidden:
        raise SystemExit("no training images of style %r" % style)
    ds.split["train"] = [p for p in ds.split["train"] if p[1] != style]
    ds.split["val"] = ds.split["val"] + rng.sample(hidden, min(VAL_UNSEEN, len(hidden)))


def val_views(ds):
    """The validation images per held-out style (each gallery one image per concept)."""
    views = {}
    for cid, style in ds.split["val"]:
        views.setdefault(style, []).append((cid, style))
    return views


@torch.no_grad()
def validate_trunk(ds, trunk, head, sent):
    trunk.eval()
    out = {}
    for style, pairs in val_views(ds).items():
        img = head.image(trunk(ds.stack(pairs)))
        txt = head.text(torch.stack([sent[ds.concepts[c]["label"]] for c, _ in pairs]))
        out["val_%s_t2i_r1" % style] = round(retrieval.recall(txt @ img.t())[1], 4)
    trunk.train()
    return out


@torch.no_grad()
def validate_stage1(ds, trunk, s1, rerank_depth=0):
    s1.eval()
    out = {}
    for style, pairs in val_views(ds).items():
        tokens, queries = retrieval.encode_images(s1, trunk, ds.stack(pairs))
        for field in ("name", "label"):
            texts = [ds.concepts[c][field] for c, _ in pairs]
            sim = retrieval.itc_matrix(queries, retrieval.encode_texts(s1, ds, texts))
            out["val_%s_%s_t2i_r1" % (style, field)] = round(retrieval.recall(sim.t())[1], 4)
            if rerank_depth and field == "label":
                ids, mask = ds.pad_texts(texts)
                fn = lambda rows, cols: s1.itm_logits(tokens[cols], ids[rows], mask[rows])
                fused = retrieval.rerank(sim.t(), rerank_depth, fn)
                out["val_%s_label_rerank_r1" % style] = round(retrieval.recall(fused)[1], 4)
    s1.train()
    return out


def train_trunk(ds, cfg, args, log):
    rng = random.Random(args.seed)
    trunk = VisionTrunk(cfg)
    texts = sorted({t for c in ds.concepts for t in c["texts"]} | {c["label"] for c in ds.concepts})
    sent = sentence_embeddings(ds, args.cache, texts)
    head = TrunkHead(cfg, next(iter(sent.values())).shape[0])
    # with --cross-style, half the batch's concepts, each in two styles
    batches = Batches(ds, args.trunk_batch // 2 if args.cross_style else args.trunk_batch, rng)
    opt = torch.optim.AdamW(list(trunk.parameters()) + list(head.parameters()),
                            lr=args.lr, weight_decay=0.05)
    embed = lambda pairs: head.image(trunk(ds.augment(ds.stack(pairs), rng, strong=True)))

    def step(_):
        chosen, pairs = batches.next()
        img = embed(pairs)
        txt = head.text(torch.stack([sent[rng.choice(ds.concepts[c]["texts"])] for c in chosen]))
        if not args.cross_style:
            return {"clip": contrastive(img, txt, head.temp)}
        # the same concept in another art style is the positive: style invariance
        # taught directly, where the text only teaches it through the concept
        other = [(c, rng.choice([v for v in batches.by_concept[c] if v != s] or [s])) for c, s in pairs]
        img2 = embed(other)
        return {"clip": (contrastive(img, txt, head.temp) + contrastive(img2, txt, head.temp)) / 2,
                "style": args.cross_style * contrastive(img, img2, head.temp)}

    run_stage("trunk", args.work, args.trunk_steps, {"trunk": trunk, "head": head}, opt, step, log,
              args, on_log=lambda s: validate_trunk(ds, trunk, head, sent))
    for p in trunk.parameters():
        p.requires_grad_(False)
    return trunk.eval()


@torch.no_grad()
def itm_negatives(sims):
    """One negative column per row of sims [B, B]: even rows sample by softmax(sims) (hard),
    odd rows uniformly among the other columns (easy)."""
    hard = F.softmax(sims, dim=1) + 1e-5
    hard.fill_diagonal_(0)
    easy = torch.ones_like(sims).fill_diagonal_(0)
    pick_hard = (torch.arange(sims.shape[0]) % 2 == 0)[:, None]
    return torch.multinomial(torch.where(pick_hard, hard, easy), 1).squeeze(1)


def stage1_losses(ds, tokens, s1, texts):
    b = len(texts)
    queries = s1.image_queries(tokens)
    ids, mask = ds.pad_texts(texts)
    text = s1.text_embeds(ids, mask)
    sim = retrieval.itc_matrix(queries, text)  # [B, B]
    logits = sim / s1.temp.clamp(0.01, 0.5)
    labels = torch.arange(b)
    itc = (F.cross_entropy(logits, labels, label_smoothing=0.1)
           + F.cross_entropy(logits.t(), labels, label_smoothing=0.1)) / 2
    # ITM negatives: half mined from ITC similarities (BLIP-2 stage 1; the batch
    # already holds same-subgroup concepts, so these include the hardest), half
    # drawn uniformly from the batch. With hard ones only, ITM stayed at the
    # prior's loss for a whole run: at this scale it first needs easier pairs.
    neg_text = itm_negatives(logits.detach())
    neg_image = itm_negatives(logits.detach().t())
    # a third of the batch as ITM positives, each with a hard negative text and
    # image: the ITM forward over queries and text is the dearest part of a step
    n = b // 3
    h = slice(0, n)
    all_tokens = torch.cat([tokens[h], tokens[h], tokens[neg_image[h]]])
    all_ids = torch.cat([ids[h], ids[neg_text[h]], ids[h]])
    all_mask = torch.cat([mask[h], mask[neg_text[h]], mask[h]])
    itm_logits = s1.itm_logits(all_tokens, all_ids, all_mask)
    itm_labels = torch.cat([torch.ones(n), torch.zeros(2 * n)]).long()
    itm = F.cross_entropy(itm_logits, itm_labels)
    g = slice(0, b // 4)
    itg = s1.itg_loss(tokens[g], ids[g], mask[g], ds.bert.dec)
    return {"itc": itc, "itm": itm, "itg": itg}


def train_stage1(ds, cfg, args, trunk, views, log):
    rng = random.Random(args.seed + 1)
    s1 = Blip2Stage1(cfg)
    s1.qformer.load_bert(minilm.bert_weights(minilm.fetch(args.cache, ROOT)), cfg.qf_init_layers)
    batches = Batches(ds, args.batch, rng, hard=True)
    pretrained = [p for n, p in s1.named_parameters() if "qformer." in n and "cross_" not in n
                  and "query_tokens" not in n]
    fresh = [p for n, p in s1.named_parameters() if not ("qformer." in n and "cross_" not in n
                                                         and "query_tokens" not in n)]
    opt = torch.optim.AdamW([{"params": pretrained, "lr": args.lr * args.pretrained_lr_scale},
                             {"params": fresh, "lr": args.lr}], weight_decay=0.05)

    def step(_):
        chosen, pairs = batches.next()
        texts = [ds.sample_text(c, rng) for c in chosen]
        return stage1_losses(ds, views.sample(pairs, rng), s1, texts)

    run_stage("stage1_qformer", args.work, args.stage1_steps, {"s1": s1}, opt, step, log, args,
              on_log=lambda s: validate_stage1(ds, trunk, s1, rerank_depth=16))
    torch.save({"trunk": trunk.state_dict(), "s1": s1.state_dict()}, os.path.join(args.work, "stage1.pt"))
    return s1.eval()


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


def lm_batch(ds, rows):
    """rows: [(prompt text, target text)] -> padded LM sequences, grouped by prompt."""
    ids, mask, loss_mask = [], [], []
    for prompt, target in rows:
        i, m, l = ds.lm_sequences(ds.gpt2.encode(prompt), [" " + target + "\n"])
        ids.append(i[0]), mask.append(m[0]), loss_mask.append(l[0])
    n = max(len(i) for i in ids)
    pad = lambda ts: torch.stack([F.pad(t, (0, n - len(t))) for t in ts])
    return pad(ids), pad(mask), pad(loss_mask)


def text_rows(ds, cid, rng, qa_share):
    c = ds.concepts[cid]
    if rng.random() < qa_share:
        q, a = rng.choice(c["qa"])
        return data.QUESTION_PROMPT.format(q), a
    return data.CAPTION_PROMPT, c["label"]


def train_lm(ds, cfg, args, log):
    """The LM learns the caption language and the question format from text
    alone (every text, keywords, templated answers), then is frozen."""
    rng = random.Random(args.seed + 2)
    lm = TinyLM(cfg)
    opt = torch.optim.AdamW(lm.parameters(), lr=args.lr, weight_decay=0.01)
    cids = [c["id"] for c in ds.concepts]

    def step(_):
        rows = []
        for _ in range(args.batch):
            c = ds.concepts[rng.choice(cids)]
            r = rng.random()
            if r < 0.5:
                rows.append((data.CAPTION_PROMPT, rng.choice(c["texts"])))
            elif r < 0.7 and c["tags"]:
                rows.append((data.CAPTION_PROMPT, ", ".join(rng.sample(c["tags"], min(3, len(c["tags"]))))))
            else:
                rows.append(text_rows(ds, c["id"], rng, qa_share=0.6))
        return {"lm": lm_loss(lm, None, *lm_batch(ds, rows))}

    run_stage("lm", args.work, args.lm_steps, {"lm": lm}, opt, step, log, args)
    for p in lm.parameters():
        p.requires_grad_(False)
    return lm.eval()


def train_stage2(ds, cfg, args, views, s1, lm, log):
    rng = random.Random(args.seed + 3)
    s2 = Blip2Stage2.from_stage1(cfg, s1)
    opt = torch.optim.AdamW(s2.parameters(), lr=args.lr, weight_decay=0.05)
    batches = Batches(ds, args.batch, rng)

    def step(_):
        chosen, pairs = batches.next()
        rows = [text_rows(ds, c, rng, qa_share=0.25) for c in chosen]
        return {"lm": lm_loss(lm, s2.prefix(views.sample(pairs, rng)), *lm_batch(ds, rows))}

    run_stage("stage2", args.work, args.stage2_steps, {"s2": s2}, opt, step, log, args)
    return s2


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--smoke", action="store_true", help="tiny config, few concepts, few steps")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--trunk-batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--pretrained-lr-scale", type=float, default=0.2,
                    help="LR multiplier of the Q-Former's pretrained (MiniLM) weights")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--trunk-steps", type=int, default=1500)
    ap.add_argument("--stage1-steps", type=int, default=1500)
    ap.add_argument("--lm-steps", type=int, default=1200)
    ap.add_argument("--stage2-steps", type=int, default=1000)
    ap.add_argument("--trunk-views", type=int, default=4,
                    help="frozen-trunk views per training image (1 clean + augmented) for stages 1 and 2")
    ap.add_argument("--cross-style", type=float, default=0.0,
                    help="weight of the stage-0 loss matching a concept's images across art styles (0: off)")
    ap.add_argument("--unseen-style", help="ablations only: train without this style and validate on "
                    "%d of its images (concepts seen in other styles, as apple's are)" % VAL_UNSEEN)
    ap.add_argument("--trunk-only", action="store_true", help="ablations: stop after stage 0")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--lm-only", action="store_true",
                    help="train only the LM (it needs no image): a second process can run it beside stage 1")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data.seed_all(args.seed)
    cfg = Config(**SMOKE) if args.smoke else Config()
    os.makedirs(args.work, exist_ok=True)
    if not args.lm_only:
        json.dump(cfg.to_dict(), open(os.path.join(args.work, "config.json"), "w"), indent=1)
    ds = data.Dataset(args.cache, cfg, limit=40 if args.smoke else None, splits=() if args.lm_only else None)
    if args.unseen_style:
        hide_style(ds, args.unseen_style, random.Random(args.seed))
    log = Log(os.path.join(args.work, "train_log.jsonl"))
    log(event="start", args=vars(args), train=len(ds.split["train"]), val=len(ds.split["val"]))
    if args.lm_only:
        train_lm(ds, cfg, args, log)
        return
    trunk = train_trunk(ds, cfg, args, log)
    if args.trunk_only:
        return
    views = TrunkViews(ds, trunk, args.work, args.trunk_views, args.seed + 4)
    log(event="trunk_views", views=args.trunk_views, shape=list(views.tokens.shape))
    s1 = train_stage1(ds, cfg, args, trunk, views, log)
    lm = train_lm(ds, cfg, args, log)
    train_stage2(ds, cfg, args, views, s1, lm, log)
    log(event="done")


if __name__ == "__main__":
    main()
