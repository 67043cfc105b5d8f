"""Image preprocessing of the bundle (BLIP-2's, as docs/bundle.md states it), the one place it is
written in Python: EXIF orientation, alpha rule, bicubic squash resize (PIL, antialiased), scale
by 1/255, normalize with the CLIP mean/std. The Java encoder reproduces this.
"""
import numpy as np
from PIL import Image, ImageOps

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
ALPHA_RULES = ("drop", "white")  # drop = PIL convert("RGB"); white = composite over white


def to_rgb(img, alpha_rule):
    if alpha_rule not in ALPHA_RULES:
        raise ValueError("alpha rule must be one of %s" % (ALPHA_RULES,))
    if alpha_rule == "white" and (img.mode in ("RGBA", "LA", "PA")
                                  or (img.mode == "P" and "transparency" in img.info)):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def preprocess(img, size, alpha_rule):
    """PIL image -> float32 [3, size, size]."""
    rgb = to_rgb(img, alpha_rule).resize((size, size), Image.BICUBIC)
    x = np.asarray(rgb, dtype=np.float32) / 255.0
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return x.transpose(2, 0, 1).copy()


def load(path, size, alpha_rule):
    with Image.open(path) as img:
        return preprocess(ImageOps.exif_transpose(img), size, alpha_rule)
