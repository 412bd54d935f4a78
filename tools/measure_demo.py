#!/usr/bin/python3
"""Measures the demo models on held-out scenes from the PyTorch side (a check, not the Java eval).

  measure_demo.py --llava CKPT --sam CKPT [--count 200]

Captions: greedy, the llava_v1 prompt; an object counts as named when a phrase "{size} {colour}
{kind}" of the caption matches it by colour and kind (multiset matching per scene); naming
precision is matched phrases over phrases; "in_place": the k-th generated phrase against the k-th
object of the reference caption, colour and kind apart (kind also by the object's size);
"by_object_count": per scene object count, how often the caption has as many phrases as objects and
the share of objects named, named by colour alone, by kind alone; "order": in scenes whose objects
have distinct colours, how often the first phrase names the leftmost object and each next phrase
the next one to the right (or the same one again). Pointing: for each kind word the caption generates,
the attention of the decoding step that produced it over the image tokens, read out as several
variants (mean over all layers and heads; per layer; head n-2 of every layer as the official
code; each also minus the mean map of all generated tokens), argmax patch centre mapped back to the original image; a hit when it lies in an object
of that kind. Baseline: a uniformly random pixel of the image. SAM: IoU of the multimask output
index 2 (post-processed as SamPredictor, threshold 0) for a uniformly random point inside each
object, and for the centre-most point.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_llava as dl  # noqa: E402
import demo_sam as ds  # noqa: E402
import export_demo as ex  # noqa: E402
import scenes  # noqa: E402

KIND_IDS = {dl.WORD_IDS[k][0]: k for k in scenes.KINDS}
COLOUR_FIRST = {tuple(dl.WORD_IDS[c]): c for c in scenes.COLOUR_NAMES}


def multiset_hits(truth, guesses):
    """How many guesses match a distinct element of truth (each element matches once)."""
    left, hits = list(truth), 0
    for g in guesses:
        if g in left:
            left.remove(g)
            hits += 1
    return hits


def sam_mask(sam, image, emb, point):
    size = sam.c["vision_config"]["image_size"]
    h, w = image.shape[:2]
    nh, nw = ds.resized_shape(h, w, size)
    with torch.no_grad():
        low, _ = sam.decode(emb, torch.tensor([ds.point_to_model(point, h, w, size)]))
        up = F.interpolate(low[:, 3:4], size=(size, size), mode="bilinear", align_corners=False)[:, :, :nh, :nw]
        up = F.interpolate(up, size=(h, w), mode="bilinear", align_corners=False)
    return up[0, 0].numpy() > 0


def iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--llava")
    p.add_argument("--sam")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(7)
    res = {}
    llava = ex.load(a.llava, dl.Llava)[0] if a.llava else None
    sam = ex.load(a.sam, ds.Sam)[0] if a.sam else None
    named = total = phr = phr_ok = exact = 0
    by_count = {}  # scene object count -> scenes, phrase count right, objects, named, colour named, kind named
    order = {"scenes": 0, "first_leftmost": 0, "steps": 0, "next_right": 0, "same_again": 0}
    in_place = {"colour": 0, "kind": 0, "small kind": 0, "large kind": 0, "small": 0, "large": 0}
    hits, points, base_hits = {}, 0, 0
    ious_rand, ious_centre = [], []
    examples = []
    for i in range(a.count):
        s = scenes.make_scene(scenes.SPLIT_SEEDS["heldout"], i)
        img, objs = s["image"], s["objects"]
        h, w = img.shape[:2]
        if llava is not None:
            c = llava.c
            size, grid = c["vision_config"]["image_size"], c["vision_config"]["image_size"] // c["vision_config"]["patch_size"]
            pix = torch.from_numpy(dl.preprocess(img, size))[None]
            ids, _, attns = llava.generate(pix, 40, keep_attn=True)
            text = dl.decode_text(ids)
            exact += text == s["caption"]
            if len(examples) < 8:
                examples.append((s["caption"], text))
            pred = [(colour, kind) for _, colour, kind in scenes.phrases(text)]
            gt = [(o["colour"], o["kind"]) for o in objs]
            pair_hits = multiset_hits(gt, pred)
            phr_ok += pair_hits
            phr += len(pred)
            for o, (colour, kind) in zip(objs, pred):  # objs are in the reference caption's order
                in_place["colour"] += colour == o["colour"]
                in_place["kind"] += kind == o["kind"]
                in_place[o["size"] + " kind"] += kind == o["kind"]
                in_place[o["size"]] += 1
            named += pair_hits
            total += len(gt)
            row = by_count.setdefault(len(objs), dict(scenes=0, count_right=0, objects=0, named=0, colour=0, kind=0))
            row["scenes"] += 1
            row["count_right"] += len(pred) == len(objs)
            row["objects"] += len(objs)
            row["named"] += pair_hits
            for key, part in (("colour", 0), ("kind", 1)):
                row[key] += multiset_hits([g[part] for g in gt], [q[part] for q in pred])
            colours = [o["colour"] for o in objs]
            if len(objs) > 1 and len(set(colours)) == len(objs) and pred:
                # colours tell the objects apart: which one (left to right) each phrase names
                ranks = [colours.index(c) if c in colours else -1 for c, _ in pred]
                order["scenes"] += 1
                order["first_leftmost"] += ranks[0] == 0
                for r0, r1 in zip(ranks, ranks[1:]):
                    order["steps"] += 1
                    order["next_right"] += r0 >= 0 and r1 == r0 + 1
                    order["same_again"] += r0 >= 0 and r1 == r0
            start = dl.image_token_start()
            centre_x, centre_y = dl.patch_centres(grid, h, w)
            # maps[t] [layers, heads, grid*grid]: attention of the pass that produced token t
            maps = torch.stack([torch.stack([l[:, start:start + grid * grid] for l in step]) for step in attns])
            mean_all = maps.mean(0)
            h2 = maps.shape[2] - 2  # the official code's head n-2 of every layer
            variants = {"all": lambda m: m.mean((0, 1)), "norm_all": lambda m: (m - mean_all).mean((0, 1)),
                        "official_head": lambda m: m[:, h2].mean(0), "norm_official_head": lambda m: (m - mean_all)[:, h2].mean(0)}
            for L in range(maps.shape[1]):
                variants["layer%d" % L] = (lambda L: lambda m: m[L].mean(0))(L)
                variants["norm_layer%d" % L] = (lambda L: lambda m: (m[L] - mean_all[L]).mean(0))(L)
            for t, tok in enumerate(ids):
                if tok not in KIND_IDS:
                    continue
                kind = KIND_IDS[tok]
                region = np.zeros((h, w), bool)
                for o in objs:
                    if o["kind"] == kind:
                        region |= o["mask"]
                points += 1
                base_hits += region.sum() / (h * w)  # expected hit rate of a uniformly random pixel
                for name, fn in variants.items():
                    k = int(torch.argmax(fn(maps[t])))
                    x, y = int(np.clip(centre_x[k], 0, w - 1)), int(np.clip(centre_y[k], 0, h - 1))
                    hits[name] = hits.get(name, 0) + bool(region[y, x])
        if sam is not None:
            size = sam.c["vision_config"]["image_size"]
            x, _ = ds.preprocess(img, size)
            with torch.no_grad():
                emb = sam.vision_encoder(torch.from_numpy(x)[None])
            for o in objs:
                ys, xs = np.nonzero(o["mask"])
                j = rng.integers(len(xs))
                ious_rand.append(iou(sam_mask(sam, img, emb, (float(xs[j]), float(ys[j]))), o["mask"]))
                d = (xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2
                j = int(np.argmin(d))
                ious_centre.append(iou(sam_mask(sam, img, emb, (float(xs[j]), float(ys[j]))), o["mask"]))
    if llava is not None:
        res["scenes"] = a.count
        res["objects_named"] = named / total
        res["phrase_precision"] = phr_ok / max(phr, 1)
        res["caption_exact"] = exact / a.count
        # by the scene's object count: captions with as many phrases as objects, and the share of
        # objects named (colour and kind), named by colour alone, by kind alone (multisets as above)
        res["by_object_count"] = {n: {"scenes": r["scenes"], "count_right": round(r["count_right"] / r["scenes"], 3),
                                      **{k: round(r[k] / r["objects"], 3) for k in ("named", "colour", "kind")}}
                                  for n, r in sorted(by_count.items())}
        # scenes of 2-4 objects of distinct colours: the first phrase names the leftmost object (chance
        # about 1/3), and each next phrase the next object to the right, or the same object again
        res["order"] = {"scenes": order["scenes"], "first_leftmost": round(order["first_leftmost"] / max(order["scenes"], 1), 3),
                        "next_right": round(order["next_right"] / max(order["steps"], 1), 3),
                        "same_again": round(order["same_again"] / max(order["steps"], 1), 3)}
        placed = in_place["small"] + in_place["large"]
        res["in_place"] = {"objects": placed, "colour": in_place["colour"] / max(placed, 1),
                           "kind": in_place["kind"] / max(placed, 1),
                           "kind_small": in_place["small kind"] / max(in_place["small"], 1),
                           "kind_large": in_place["large kind"] / max(in_place["large"], 1)}
        res["kind_words"] = points
        res["point_random_baseline"] = base_hits / max(points, 1)
        res["point_accuracy"] = {k: v / max(points, 1) for k, v in sorted(hits.items(), key=lambda kv: -kv[1])}
        res["examples"] = examples
    if sam is not None:
        res["sam_miou_random_point"] = float(np.mean(ious_rand))
        res["sam_miou_centre_point"] = float(np.mean(ious_centre))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
