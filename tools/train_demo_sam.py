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
import argparse
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_sam as ds  # noqa: E402
import scenes  # noqa: E402
from prefetch import prefetch  # noqa: E402


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
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--prompts", type=int, default=3)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--max-minutes", type=float, default=40)
    p.add_argument("--save-every", type=int, default=100)
    p.add_argument("--out", default="/tmp/demo-sam.pt")
    p.add_argument("--log", default="weights/demo/training/sam_loss.tsv")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--stop-step", type=int, help="stop after this step (to repeat a run that --max-minutes cut short)")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    c = ds.config()
    model = ds.Sam(c)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    size = c["vision_config"]["image_size"]
    os.makedirs(os.path.dirname(a.log), exist_ok=True)
    log = open(a.log, "w")
    log.write("# seed %d, batch %d x %d prompts, lr %g, steps %d, threads %d\nstep\tseconds\tloss\tloss_mask2\tiou_mask2\tlr\n"
              % (a.seed, a.batch, a.prompts, a.lr, a.steps, a.threads))
    t0, acc, step = time.time(), np.zeros(3), 0
    nacc = 0
    with mp.get_context("fork").Pool(1) as pool:
        jobs = prefetch(pool, batch, ((k * a.batch, a.batch, a.prompts, size, a.seed, scenes.SPLIT_SEEDS["train"])
                                 for k in range(a.steps)))
        for step in range(1, a.steps + 1):
            pix, owner, points, gt = (torch.from_numpy(x) for x in next(jobs))
            lr = a.lr * min(1.0, step / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / a.steps)))
            lr = max(lr, a.lr * 0.02)
            for g in opt.param_groups:
                g["lr"] = lr
            loss, l3, iou3 = loss_of(model, pix, owner, points, gt)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            acc += (loss.item(), l3, iou3)
            nacc += 1
            stop = (time.time() - t0) / 60 > a.max_minutes or step == a.stop_step
            if step % 25 == 0 or step == a.steps or stop:
                m = acc / nacc
                log.write("%d\t%.0f\t%.4f\t%.4f\t%.4f\t%.2e\n" % (step, time.time() - t0, m[0], m[1], m[2], lr))
                log.flush()
                acc, nacc = np.zeros(3), 0
            if step % a.save_every == 0 or step == a.steps or stop:
                torch.save({"config": c, "step": step, "state_dict": model.state_dict()}, a.out + ".tmp")
                os.replace(a.out + ".tmp", a.out)
            if stop:
                log.write("# stopped at step %d (--max-minutes or --stop-step)\n" % step)
                break
    log.write("# done: %d steps in %.0f s\n" % (step, time.time() - t0))
    log.close()


if __name__ == "__main__":
    main(sys.argv[1:])
