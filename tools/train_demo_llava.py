#!/usr/bin/python3
"""Trains the demo LLaVA on captioning synthetic scenes only (no masks, boxes or grounding signal).

Deterministic from --seed on one thread: batch k holds train-split scenes k*B .. k*B+B-1
(tools/scenes.py, seed 1), the model is initialised from torch.manual_seed(seed), AdamW with
linear warm-up and cosine decay over --steps. --max-minutes is a safety cap on wall time (a run
stopped by it is repeated with --stop-step N; the log says which). Writes a checkpoint
(state_dict + config + step) to --out every --save-every steps and at the end, and the loss
curve to --log as TSV (step, seconds, loss averaged over the steps since the last line, lr).
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_llava as dl  # noqa: E402
import scenes  # noqa: E402
import training  # noqa: E402


def batch(args):
    """Pixels [B, 3, S, S], caption ids [B, n+1] padded with EOS, lengths [B] for scenes start..start+B-1."""
    start, count, size, seed, max_objects = args
    pix, caps = [], []
    for i in range(start, start + count):
        s = scenes.make_scene(seed, i, max_objects)
        pix.append(dl.preprocess(s["image"], size))
        caps.append(dl.tokenize_caption(s["caption"]))
    n = max(len(c) for c in caps) + 1
    ids = np.full((count, n), dl.EOS, np.int64)
    for k, c in enumerate(caps):
        ids[k, :len(c)] = c
    return np.stack(pix), ids, np.array([len(c) for c in caps])


def main(argv):
    a = training.arguments(argv, steps=500, batch=8, lr=2e-3, warmup=60, minutes=76, out="/tmp/demo-llava.pt",
                           log="weights/demo/training/llava_loss.tsv", extra=[("--curriculum", int, 0), ("--vision-lr-scale", float, 1.0),
                                  ("--vision-decay", float, 0.01), ("--image-size", int, 192), ("--patch", int, 16),
                                  ("--vision-init", str, None), ("--freeze-tower", bool, False),
                                  ("--train-positions", bool, False), ("--text-hidden", int, 128)])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    # --image-size / --patch: the vision grid; the context grows with it (the prompt, 144 image
    # tokens and the longest caption fit in the bundled 320)
    grid = (a.image_size // a.patch) ** 2
    # --text-hidden: the decoder's width (MLP 2.6875x, the bundle's 344 at 128, rounded to 4)
    c = dl.config(a.image_size, a.patch, text_hidden=a.text_hidden, text_intermediate=4 * round(a.text_hidden * 2.6875 / 4),
                  max_positions=max(320, grid + 176))
    model = dl.Llava(c)
    if a.vision_init:
        # stage 1 (tools/pretrain_demo_vision.py): the tower as the kind/size/colour probe left it,
        # as LLaVA starts from a pretrained CLIP tower; projector and decoder start fresh
        print("vision tower from %s (%d tensors)" % (a.vision_init, training.load_tower(model, a.vision_init)))
    # --freeze-tower: the stage-1 tower stays as it is (the captioning loss wore its kind features
    # away: kind from an object's own patches 0.47 after stage 1, 0.37 after the captioner)
    if a.freeze_tower:
        for q in model.vision_tower.parameters():
            q.requires_grad_(False)
    # --train-positions: all but the position embedding (stage 1 pooled patches, so it never needed
    # to keep where a patch is; the captioner names objects left to right)
    if a.train_positions:
        model.vision_tower.vision_model.embeddings.position_embedding.weight.requires_grad_(True)
    # --vision-lr-scale / --vision-decay: the vision tower and projector get their own learning-rate
    # factor and weight decay (unchecked, their outputs grew until the image tokens no longer differed)
    def vision(n):
        return n.startswith("vision_tower.") or n.startswith("multi_modal_projector.")
    named = [(n, q) for n, q in model.named_parameters() if q.requires_grad]
    groups = [{"params": [q for n, q in named if q.dim() >= 2 and not vision(n)], "weight_decay": 0.01},
              {"params": [q for n, q in named if q.dim() < 2 and not vision(n)], "weight_decay": 0.0},
              {"params": [q for n, q in named if q.dim() >= 2 and vision(n)], "weight_decay": a.vision_decay,
               "scale": a.vision_lr_scale},
              {"params": [q for n, q in named if q.dim() < 2 and vision(n)], "weight_decay": 0.0,
               "scale": a.vision_lr_scale}]
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.98))
    size, seed = c["vision_config"]["image_size"], scenes.SPLIT_SEEDS["train"]

    def objects(k):
        """--curriculum C: scenes of at most 1 object for the first C steps, at most 2 for the next C,
        at most 3 for the next C, then all (a captioner trained on full scenes from the start learns
        the grammar long before it learns to look)."""
        return 4 if a.curriculum == 0 else min(4, 1 + k // a.curriculum)

    def loss(b):
        pix, ids, lens = b
        return model.loss(pix, ids, lens), ()

    training.run(a, model, opt, c, batch, lambda k: (k * a.batch, a.batch, size, seed, objects(k)), loss,
                 "seed %d, batch %d, lr %g, steps %d%s" % (a.seed, a.batch, a.lr, a.steps,
                                                           ", vision tower from " + a.vision_init if a.vision_init else ""), [])


if __name__ == "__main__":
    main(sys.argv[1:])
