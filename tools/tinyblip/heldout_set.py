"""Copies the held-out test set (the apple emoji images and their names) to a
folder, for the engine's benchmarks and eval: DIR/images/*.png, DIR/names.txt
(one name per image, in test-split order), DIR/manifest.jsonl (a bulk-index
manifest: each image with its name as caption) and DIR/pairs.jsonl (the
ground truth of `bin/qsearch eval`: image i <-> name i, as in evaluate.py).

    tools/python tools/tinyblip/heldout_set.py --cache ~/.cache/qsearch --out /tmp/heldout
"""
import argparse
import json
import os
import shutil


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    data = json.load(open(os.path.join(args.cache, "data.json")))
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    names, uris = [], []
    for cid, vendor in data["split"]["test"]:
        c = data["concepts"][cid]
        uri = "images/%04d.png" % cid
        shutil.copy(c["images"][vendor], os.path.join(args.out, uri))
        names.append(c["name"])
        uris.append(uri)
    with open(os.path.join(args.out, "names.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    with open(os.path.join(args.out, "manifest.jsonl"), "w") as f:
        f.writelines(json.dumps({"image": u, "captions": [n]}) + "\n" for u, n in zip(uris, names))
    with open(os.path.join(args.out, "pairs.jsonl"), "w") as f:
        f.writelines(json.dumps({"image": u, "text": n}) + "\n" for u, n in zip(uris, names))
    print(len(names), "images and names ->", args.out)


if __name__ == "__main__":
    main()
