#!/usr/bin/python3
"""Where the kept phrases of a `jground eval` report landed, on a split written by tools/scenes.py.

    tools/eval_misses.py INSTANCES.json REPORT.json

The report's per-phrase points are those of its reported variant (`jground eval --heads/--offset/
--no-normalize` choose it). Each kept phrase (one whose head noun names a category, i.e. a kind)
falls in one of these, with the mean of its IoU (the report's, what mIoU averages):
  inside                     the point is on an object of the phrase's kind (PAcc)
  kind misnamed              on another kind's object of the phrase's colour: the model looked at the
                             object it described and named its kind wrong
  wrong object               on an object of another colour and kind, though an object as the phrase
                             describes it is in the scene (a grounding miss)
  wrong object, none named   on an object of another colour and kind, and no object is what the phrase says
  background                 on no object (SAM may still find the right one nearby), split by whether
                             an object as the phrase describes it is in the scene
Only the synthetic split's extra "colour" key makes the colour test possible; COCO has none.
"""
import json
import sys

import numpy as np

COLOURS = ["red", "green", "blue", "yellow", "orange", "purple", "white", "black"]


def decode(rle):
    """Uncompressed COCO RLE -> bool [h, w] (column-major runs, zeros first)."""
    h, w = rle["size"]
    flat, pos, value = np.zeros(h * w, bool), 0, False
    for c in rle["counts"]:
        flat[pos:pos + c] = value
        pos, value = pos + c, not value
    return flat.reshape((w, h)).T


def classify(phrase, objects, kind_of):
    """The class of one kept phrase of the report among the image's annotations."""
    if phrase["inside"]:
        return "inside"
    x, y = phrase["point"]
    under = [a for a in objects if a["mask"][int(y), int(x)]]
    colour = next((w for w in phrase["text"].split() if w in COLOURS), None)
    exists = any(a["colour"] == colour and kind_of[a["category_id"]] == phrase["category"] for a in objects)
    if not under:
        return "background, described object present" if exists else "background, no such object"
    if any(a["colour"] == colour for a in under):
        return "kind misnamed"
    return "wrong object" if exists else "wrong object, none named"


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    instances, report = (json.load(open(p)) for p in argv)
    kind_of = {c["id"]: c["name"] for c in instances["categories"]}
    by_image = {}
    for a in instances["annotations"]:
        by_image.setdefault(a["image_id"], []).append(dict(a, mask=decode(a["segmentation"])))
    counts, ious = {}, {}
    for im in report["per_image"]:
        for p in im["phrases"]:
            if p.get("point") is None:
                continue
            c = classify(p, by_image.get(im["id"], []), kind_of)
            counts[c] = counts.get(c, 0) + 1
            ious[c] = ious.get(c, 0.0) + p["iou"]
    n = sum(counts.values())
    print("%s, %s: %d kept phrases" % (report.get("model"), report.get("reported"), n))
    for c in sorted(counts, key=lambda k: -counts[k]):
        print("  %-38s %4d  %5.1f%%  mean IoU %5.1f" % (c, counts[c], 100 * counts[c] / n, ious[c] / counts[c]))


if __name__ == "__main__":
    main(sys.argv[1:])
