"""Copies the held-out test set (the apple emoji images and their names) to a
folder, for the engine's benchmarks: DIR/images/*.png and DIR/names.txt.

    /usr/bin/python3 tools/tinyblip/heldout_set.py --cache ~/.cache/qsearch --out /tmp/heldout
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
    names = []
    for cid, vendor in data["split"]["test"]:
        c = data["concepts"][cid]
        shutil.copy(c["images"][vendor], os.path.join(args.out, "images", "%04d.png" % cid))
        names.append(c["name"])
    with open(os.path.join(args.out, "names.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    print(len(names), "images and names ->", args.out)


if __name__ == "__main__":
    main()
