#!/usr/bin/python3
"""Trains the demo SAM to segment an object of a synthetic scene from one point inside it.

Deterministic from --seed on one thread: step k uses train-split scenes k*B .. k*B+B-1
(tools/scenes.py, seed 1, the captioning model's scenes; no held-out scene is seen), up to
--prompts objects per scene, one foreground point drawn uniformly from each object's visible
mask by a generator seeded with (seed, scene). Loss, on the low-res logits upsampled bilinearly
to the padded input frame as Sam.postprocess_masks does: BCE + dice, for the single-mask token 0
and the multimask token 3 (output index 2, the "third mask" attend-and-segment keeps) always on
the whole object, for tokens 1 and 2 the smaller of their two losses (SAM's minimum over
ambiguous outputs); plus the MSE of the IoU head against each mask's real IoU.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_sam as ds  # noqa: E402
import scenes  # noqa: E402
import training  # noqa: E402


def target_mask(mask, target):
    """A visible mask [h, w] in the padded input frame [target, target] (bilinear resize, threshold 0.5)."""
    h, w = mask.shape
    nh, nw = ds.resized_shape(h, w, target)
    m = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((nw, nh), Image.BILINEAR)) > 127
    out = np.zeros((target, target), np.float32)
    out[:nh, :nw] = m
    return out


def batch(args):
    start, count, prompts, target, seed, data_seed = args
    pix, owner, points, masks = [], [], [], []
    for i in range(start, start + count):
        s = scenes.make_scene(data_seed, i)
        rng = np.random.default_rng([seed, i])
        x, _ = ds.preprocess(s["image"], target)
        pix.append(x)
        h, w = s["image"].shape[:2]
        objs = rng.permutation(len(s["objects"]))[:prompts]
        for k in objs:
            m = s["objects"][k]["mask"]
            ys, xs = np.nonzero(m)
            j = rng.integers(len(xs))
            points.append(ds.point_to_model((float(xs[j]), float(ys[j])), h, w, target))
            masks.append(target_mask(m, target))
            owner.append(len(pix) - 1)
    return np.stack(pix), np.array(owner), np.array(points, np.float32), np.stack(masks)


def mask_losses(logits, gt):
    """BCE + dice per mask: logits [P, K, S, S], gt [P, S, S] -> [P, K]."""
    gt = gt[:, None].expand_as(logits)
    bce = F.binary_cross_entropy_with_logits(logits, gt, reduction="none").mean((2, 3))
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * gt).sum((2, 3)) + 1) / (p.sum((2, 3)) + gt.sum((2, 3)) + 1)
    return bce + dice


def loss_of(model, pix, owner, points, gt):
    emb = model.vision_encoder(pix)
    low, iou = model.decode(emb[owner], points)
    size = model.c["vision_config"]["image_size"]
    up = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    l = mask_losses(up, gt)
    with torch.no_grad():
        pred = up > 0
        g = gt[:, None] > 0.5
        real = (pred & g).sum((2, 3)).float() / (pred | g).sum((2, 3)).clamp(min=1).float()
    mask_loss = (l[:, 0] + l[:, 3] + torch.minimum(l[:, 1], l[:, 2])).mean()
    return mask_loss + F.mse_loss(iou, real), l[:, 3].mean().item(), real[:, 3].mean().item()


def main(argv):
    a = training.arguments(argv, steps=600, batch=4, lr=1e-3, warmup=50, minutes=40, out="/tmp/demo-sam.pt",
                           log="weights/demo/training/sam_loss.tsv", extra=[("--prompts", int, 3)])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    c = ds.config()
    model = ds.Sam(c)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    size, data_seed = c["vision_config"]["image_size"], scenes.SPLIT_SEEDS["train"]

    def loss(b):
        loss, l3, iou3 = loss_of(model, *b)
        return loss, (l3, iou3)

    training.run(a, model, opt, c, batch, lambda k: (k * a.batch, a.batch, a.prompts, size, a.seed, data_seed), loss,
                 "seed %d, batch %d x %d prompts, lr %g, steps %d" % (a.seed, a.batch, a.prompts, a.lr, a.steps),
                 ["loss_mask2", "iou_mask2"])


if __name__ == "__main__":
    main(sys.argv[1:])
