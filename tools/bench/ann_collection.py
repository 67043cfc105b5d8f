"""Generates a large, realistic image collection for the ANN benchmark: augmented
renders of the training emoji (google, twitter, facebook; never the held-out
apple images). Each image is a white canvas with one to four emoji, each
cropped, scaled, colour-shifted and placed at random, so the tiny model's
embeddings of it are real model outputs with the spread of a real collection.
Also writes text queries: the concepts' alternative phrasings.

    /usr/bin/python3 tools/bench/ann_collection.py --cache ~/.cache/qsearch --out /tmp/ann --images 10000

Writes DIR/images/NNNNNNN.png, DIR/images.jsonl (the concepts in each image)
and DIR/queries.txt. Same arguments, same files (fixed seed).
"""
import argparse
import json
import os
import random

from PIL import Image, ImageEnhance

CANVAS = 96
# how many emoji an image holds, and how often
COUNTS = [1, 2, 3, 4]
COUNT_WEIGHTS = [0.55, 0.25, 0.12, 0.08]


def render(rng, concepts, train):
    canvas = Image.new("RGB", (CANVAS, CANVAS), "white")
    ids = []
    for _ in range(rng.choices(COUNTS, COUNT_WEIGHTS)[0]):
        cid, vendor = rng.choice(train)
        ids.append(cid)
        emoji = Image.open(concepts[cid]["images"][vendor]).convert("RGBA")
        w, h = emoji.size
        keep = rng.uniform(0.7, 1.0)  # crop: keep 70-100% of each side
        cw, ch = int(w * keep), int(h * keep)
        x0, y0 = rng.randint(0, w - cw), rng.randint(0, h - ch)
        emoji = emoji.crop((x0, y0, x0 + cw, y0 + ch))
        side = rng.randint(28, CANVAS)
        emoji = emoji.resize((side, side), Image.BICUBIC)
        rgb, alpha = emoji.convert("RGB"), emoji.getchannel("A")
        rgb = ImageEnhance.Color(rgb).enhance(rng.uniform(0.5, 1.5))
        rgb = ImageEnhance.Brightness(rgb).enhance(rng.uniform(0.75, 1.25))
        if rng.random() < 0.3:  # a hue shift: rotate the channels
            r, g, b = rgb.split()
            rgb = Image.merge("RGB", rng.choice([(g, b, r), (b, r, g)]))
        canvas.paste(rgb, (rng.randint(-side // 4, CANVAS - 3 * side // 4),
                           rng.randint(-side // 4, CANVAS - 3 * side // 4)), alpha)
    return canvas, ids


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, help="the tiny model's data cache (QSEARCH_CACHE)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, required=True)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    data = json.load(open(os.path.join(args.cache, "data.json")))
    concepts = data["concepts"]
    train = [tuple(pair) for pair in data["split"]["train"]]
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    with open(os.path.join(args.out, "images.jsonl"), "w") as index:
        for i in range(args.images):
            image, ids = render(rng, concepts, train)
            name = "%07d.png" % i
            image.save(os.path.join(args.out, "images", name))
            index.write(json.dumps({"file": name, "concepts": ids}) + "\n")
    phrasings = sorted({t for c in concepts for t in c["texts"][1:] if t.strip()})
    with open(os.path.join(args.out, "queries.txt"), "w") as f:
        f.write("\n".join(rng.sample(phrasings, min(args.queries, len(phrasings)))) + "\n")
    print(args.images, "images,", min(args.queries, len(phrasings)), "queries ->", args.out)


if __name__ == "__main__":
    main()
