#!/usr/bin/python3
"""Trains the demo LLaVA on captioning synthetic scenes only (no masks, boxes or grounding signal).

Deterministic from --seed on one thread: batch k holds train-split scenes k*B .. k*B+B-1
(tools/scenes.py, seed 1), the model is initialised from torch.manual_seed(seed), AdamW with
linear warm-up and cosine decay over --steps. --max-minutes is a safety cap on wall time (a run
stopped by it is not the reproducible one; the log says which). Writes a checkpoint
(state_dict + config + step) to --out every --save-every steps and at the end, and the loss
curve to --log as TSV (step, seconds, loss averaged over the steps since the last line, lr).
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_llava as dl  # noqa: E402
import scenes  # noqa: E402
from prefetch import prefetch  # noqa: E402


def batch(args):
    """Pixels [B, 3, S, S], caption ids [B, n+1] padded with EOS, lengths [B] for scenes start..start+B-1."""
    start, count, size, seed = args
    pix, caps = [], []
    for i in range(start, start + count):
        s = scenes.make_scene(seed, i)
        pix.append(dl.preprocess(s["image"], size))
        caps.append(dl.tokenize_caption(s["caption"]))
    n = max(len(c) for c in caps) + 1
    ids = np.full((count, n), dl.EOS, np.int64)
    for k, c in enumerate(caps):
        ids[k, :len(c)] = c
    return np.stack(pix), ids, np.array([len(c) for c in caps])


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--warmup", type=int, default=150)
    p.add_argument("--max-minutes", type=float, default=75)
    p.add_argument("--save-every", type=int, default=200)
    p.add_argument("--out", default="/tmp/demo-llava.pt")
    p.add_argument("--log", default="weights/demo/training/llava_loss.tsv")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--stop-step", type=int, help="stop after this step (to repeat a run that --max-minutes cut short)")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    c = dl.config()
    model = dl.Llava(c)
    decay = [q for n, q in model.named_parameters() if q.dim() >= 2]
    rest = [q for n, q in model.named_parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98))
    size = c["vision_config"]["image_size"]
    os.makedirs(os.path.dirname(a.log), exist_ok=True)
    log = open(a.log, "w")
    log.write("# seed %d, batch %d, lr %g, steps %d, threads %d\nstep\tseconds\tloss\tlr\n" % (a.seed, a.batch, a.lr, a.steps, a.threads))
    t0, acc, nacc, step = time.time(), 0.0, 0, 0
    # scenes are drawn in one worker process, a few batches ahead, in order
    with mp.get_context("fork").Pool(1) as pool:
        jobs = prefetch(pool, batch, ((k * a.batch, a.batch, size, scenes.SPLIT_SEEDS["train"]) for k in range(a.steps)))
        for step in range(1, a.steps + 1):
            pix, ids, lens = next(jobs)
            lr = a.lr * min(1.0, step / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / a.steps)))
            lr = max(lr, a.lr * 0.02)
            for g in opt.param_groups:
                g["lr"] = lr
            loss = model.loss(torch.from_numpy(pix), torch.from_numpy(ids), torch.from_numpy(lens))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            acc, nacc = acc + loss.item(), nacc + 1
            stop = (time.time() - t0) / 60 > a.max_minutes or step == a.stop_step
            if step % 25 == 0 or step == a.steps or stop:
                log.write("%d\t%.0f\t%.4f\t%.2e\n" % (step, time.time() - t0, acc / nacc, lr))
                log.flush()
                acc, nacc = 0.0, 0
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
