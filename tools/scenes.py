#!/usr/bin/python3
"""Synthetic scenes for the bundled demo models: shapes on textured backgrounds, their masks, a caption.

A scene is fully determined by (split seed, index): `make_scene(seed, i)`. Each scene has
1-4 objects; an object is a kind (circle, square, triangle), a colour (red, green, blue, yellow,
orange, purple, white, black) and a size (small, large). Objects are drawn in a random order so
later ones may occlude earlier ones; every object keeps at least 60% of its area visible, and its
mask is the visible part after occlusion. Images are non-square (width and height 160-256 px) on
a noisy, striped or gradient grey background.

Caption grammar (learnable on purpose): objects are named left to right by the x of their mask
centroid, each as "a {size} {colour} {kind}"; two objects are joined by " and " or, half the time,
" to the left of "; three or more by ", " and a final " and "; a single object gets a position
phrase ("on the left", "on the right", "at the top", "at the bottom") half the time. The caption
ends with ".". Example: "a small red triangle to the left of a large blue circle."

CLI: `tools/scenes.py --split heldout --count 200 --out DIR` writes DIR/images/NNNNN.png and
DIR/instances.json, a COCO instance file:
  images:      {id, file_name ("images/00000.png"), width, height, caption (the reference caption)}
  categories:  {id, name, supercategory "shape", synonyms [...]}, ids 1 circle, 2 square, 3 triangle
  annotations: {id, image_id, category_id, segmentation (uncompressed RLE {"size": [h, w],
               "counts": [...]}, column-major runs starting with 0s, as pycocotools), area (visible
               pixels), bbox [x, y, w, h] of the visible mask, iscrowd 0, colour, size ("small" or
               "large"), order (0-based position of the object in the caption)}
Splits: "train" uses seed 1, "heldout" seed 2, "demo" seed 3 (override with --seed).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

KINDS = ["circle", "square", "triangle"]
SYNONYMS = {"circle": ["circles", "disc", "disk", "ring"], "square": ["squares", "box", "rectangle"],
            "triangle": ["triangles"]}
COLOURS = {"red": (220, 30, 30), "green": (40, 170, 50), "blue": (40, 70, 220), "yellow": (240, 220, 40),
           "orange": (245, 140, 20), "purple": (140, 50, 170), "white": (250, 250, 250), "black": (15, 15, 15)}
COLOUR_NAMES = list(COLOURS)
SIZES = ["small", "large"]
SPLIT_SEEDS = {"train": 1, "heldout": 2, "demo": 3}


def _background(rng, w, h):
    base = rng.uniform(85, 175)
    tint = rng.uniform(-12, 12, size=3)
    img = np.full((h, w, 3), base, np.float32) + tint
    style = rng.integers(3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if style == 0:  # stripes
        period, angle = rng.uniform(6, 24), rng.uniform(0, math.pi)
        img += (rng.uniform(8, 20) * np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * 2 * math.pi / period))[..., None]
    elif style == 1:  # gradient
        angle = rng.uniform(0, 2 * math.pi)
        g = (xx * math.cos(angle) + yy * math.sin(angle)) / max(w, h)
        img += (rng.uniform(20, 45) * (g - g.mean()))[..., None]
    else:  # blotches
        small = rng.normal(0, 10, size=(h // 16 + 2, w // 16 + 2, 3)).astype(np.float32)
        img += np.asarray(Image.fromarray(np.clip(small + 128, 0, 255).astype(np.uint8)).resize((w, h), Image.BILINEAR),
                          np.float32) - 128
    img += rng.normal(0, rng.uniform(3, 10), size=img.shape)
    return img


def _shape_mask(kind, cx, cy, r, angle, w, h):
    m = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(m)
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=1)
    else:
        n, rad = (4, r * 1.15) if kind == "square" else (3, r * 1.3)
        pts = [(cx + rad * math.cos(angle + 2 * math.pi * k / n), cy + rad * math.sin(angle + 2 * math.pi * k / n))
               for k in range(n)]
        d.polygon(pts, fill=1)
    return np.asarray(m, np.uint8).astype(bool)


def make_scene(seed, index, max_objects=4):
    """Returns dict(image uint8 HWC, objects [dict(kind, colour, size, mask bool HW, order)], caption).

    max_objects < 4 caps the object count (a training curriculum); the scene is otherwise the same draw."""
    rng = np.random.default_rng([seed, index])
    w, h = int(rng.integers(160, 257)), int(rng.integers(160, 257))
    img = _background(rng, w, h)
    n = min(int(rng.choice([1, 2, 3, 4], p=[0.2, 0.3, 0.3, 0.2])), max_objects)
    short = min(w, h)
    objects, owner = [], np.full((h, w), -1, np.int32)
    tries = 0
    while len(objects) < n and tries < 200:
        tries += 1
        kind, colour, size = KINDS[rng.integers(3)], COLOUR_NAMES[rng.integers(8)], SIZES[rng.integers(2)]
        r = short * (rng.uniform(0.08, 0.11) if size == "small" else rng.uniform(0.15, 0.21))
        cx, cy = rng.uniform(r + 2, w - r - 2), rng.uniform(r + 2, h - r - 2)
        full = _shape_mask(kind, cx, cy, r, rng.uniform(0, 2 * math.pi), w, h)
        new_owner = owner.copy()
        new_owner[full] = len(objects)
        # every object, old and new, keeps at least 60% of its pixels visible
        areas = [o["full"].sum() for o in objects] + [full.sum()]
        if all((new_owner == k).sum() >= 0.6 * a for k, a in enumerate(areas)) and full.sum() > 20:
            owner = new_owner
            objects.append(dict(kind=kind, colour=colour, size=size, full=full))
    for k, o in enumerate(objects):
        o["mask"] = owner == k
        col = np.array(COLOURS[o["colour"]], np.float32) + rng.uniform(-15, 15, size=3)
        img[o["mask"]] = col + rng.normal(0, 4, size=(int(o["mask"].sum()), 3))
        del o["full"]
    image = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    objects.sort(key=lambda o: np.nonzero(o["mask"])[1].mean())
    for k, o in enumerate(objects):
        o["order"] = k
    return dict(image=image, objects=objects, caption=_caption(rng, objects, w, h))


def _caption(rng, objects, w, h):
    names = ["a %s %s %s" % (o["size"], o["colour"], o["kind"]) for o in objects]
    if len(names) == 1:
        if rng.random() < 0.5:
            ys, xs = np.nonzero(objects[0]["mask"])
            dx, dy = xs.mean() / w - 0.5, ys.mean() / h - 0.5
            where = (("on the right" if dx > 0 else "on the left") if abs(dx) >= abs(dy)
                     else ("at the bottom" if dy > 0 else "at the top"))
            return names[0] + " " + where + "."
        return names[0] + "."
    if len(names) == 2:
        return names[0] + (" to the left of " if rng.random() < 0.5 else " and ") + names[1] + "."
    return ", ".join(names[:-1]) + " and " + names[-1] + "."


def phrases(caption):
    """The (size, colour, kind) of each "{size} {colour} {kind}" phrase of a caption (ours or a
    model's), in order: every kind word after a colour word; size is the word before the colour."""
    words = caption.replace(",", " ").replace(".", " ").split()
    return [(words[i - 2] if i > 1 else None, words[i - 1], w) for i, w in enumerate(words)
            if w in KINDS and i > 0 and words[i - 1] in COLOURS]


def rle_encode(mask):
    """Uncompressed COCO RLE of a bool [h, w] mask: column-major runs, zeros first (pycocotools maskApi.c)."""
    flat = mask.T.reshape(-1).astype(np.int8)
    change = np.nonzero(np.diff(flat))[0] + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0] == 1:
        counts = [0] + counts
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": [int(c) for c in counts]}


def coco_instances(entries, description):
    """A COCO instance file (the format in the docstring) of (file_name, scene) pairs, image ids from 1."""
    coco = dict(info=dict(description=description), images=[], annotations=[],
                categories=[dict(id=k + 1, name=n, supercategory="shape", synonyms=SYNONYMS[n]) for k, n in enumerate(KINDS)])
    for i, (name, s) in enumerate(entries):
        h, w = s["image"].shape[:2]
        coco["images"].append(dict(id=i + 1, file_name=name, width=w, height=h, caption=s["caption"]))
        for o in s["objects"]:
            ys, xs = np.nonzero(o["mask"])
            bbox = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]
            coco["annotations"].append(dict(id=len(coco["annotations"]) + 1, image_id=i + 1,
                                            category_id=KINDS.index(o["kind"]) + 1, segmentation=rle_encode(o["mask"]),
                                            area=int(o["mask"].sum()), bbox=bbox, iscrowd=0, colour=o["colour"],
                                            size=o["size"], order=o["order"]))
    return coco


def write_split(out, seed, count):
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    entries = []
    for i in range(count):
        s = make_scene(seed, i)
        name = "images/%05d.png" % i
        Image.fromarray(s["image"]).save(os.path.join(out, name))
        entries.append((name, s))
    with open(os.path.join(out, "instances.json"), "w") as f:
        json.dump(coco_instances(entries, "jground synthetic shapes, seed %d" % seed), f)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", default="heldout", choices=sorted(SPLIT_SEEDS))
    p.add_argument("--seed", type=int, help="overrides the split's seed")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    write_split(a.out, a.seed if a.seed is not None else SPLIT_SEEDS[a.split], a.count)


if __name__ == "__main__":
    main(sys.argv[1:])
