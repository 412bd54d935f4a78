"""The training loop both demo models share: warm-up + cosine schedule, clipping, TSV log, checkpoints.

Batches come from a worker process, in order, a few ahead (`prefetch`); a run is deterministic
given its arguments on one thread of the CPU. --device cuda runs the same loop on a GPU (--workers
processes draw the scenes; GPU kernels are not bit-reproducible, so such a run is repeatable only
statistically). --max-minutes caps the wall time; --stop-step repeats a run
that the cap cut short.
"""
import argparse
import ctypes
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch

import export_demo  # tools/ is on the path of every script that imports this one


def keep_freed_memory():
    """glibc hands every freed block above 128 KiB back to the kernel and maps it again on the next
    step: a third of these runs' time was page faults (sys 9.1 s of 34 s for 50 steps of the
    captioner; 2.1 s of 21 s with this). Keeping freed memory in the heap changes no result."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)  # blocks up to 32 MiB from the heap (mallopt(3)'s ceiling on 64-bit)
    libc.mallopt(m_trim_threshold, (1 << 31) - 1)  # and never give the heap's top back


keep_freed_memory()


def prefetch(pool, fn, args, ahead=4):
    """fn over args in order in the pool, at most `ahead` results waiting (Pool.imap would run ahead unbounded)."""
    pending = []
    for a in args:
        pending.append(pool.apply_async(fn, (a,)))
        if len(pending) > ahead:
            yield pending.pop(0).get()
    for p in pending:
        yield p.get()


def arguments(argv, steps, batch, lr, warmup, minutes, out, log, extra=()):
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=steps)
    p.add_argument("--batch", type=int, default=batch)
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--max-minutes", type=float, default=minutes)
    p.add_argument("--save-every", type=int, default=100)
    p.add_argument("--out", default=out)
    p.add_argument("--log", default=log)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    p.add_argument("--workers", type=int, default=1, help="processes that draw the scenes")
    p.add_argument("--timed", action="store_true",
                   help="the cosine runs over --max-minutes of wall time instead of --steps (a GPU lease of fixed length)")
    p.add_argument("--stop-step", type=int, help="stop after this step (to repeat a run that --max-minutes cut short)")
    p.add_argument("--init", help="start from this checkpoint's weights (a fresh optimiser and schedule)")
    p.add_argument("--first-batch", type=int, default=0, help="step k trains on batch first-batch + k - 1 of the split")
    for name, kind, default in extra:
        if kind is bool:
            p.add_argument(name, action="store_true")
        else:
            p.add_argument(name, type=kind, default=default)
    return p.parse_args(argv)


def learning_rate(a, step, minutes=0.0):
    """Linear warm-up, cosine decay over --steps (--timed: over --max-minutes), never below 2% of the peak."""
    done = minutes / a.max_minutes if a.timed else step / a.steps
    lr = a.lr * min(1.0, step / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
    return max(lr, a.lr * 0.02)


def warn_if_reference_blas():
    """Debian's python3-torch calls whatever libblas.so.3 is installed: without OpenBLAS that is the
    reference BLAS, about 10x slower (a 512x512 matmul on one thread of this machine: 5.6 GFLOP/s
    against 57 with libopenblas0-pthread), and every run takes ten times its recorded time."""
    x = torch.full((256, 256), 0.5)  # no draw from the seeded generator
    t = time.perf_counter()
    for _ in range(4):
        x @ x
    gflops = 4 * 2 * 256 ** 3 / (time.perf_counter() - t) / 1e9
    if gflops < 15:
        print("training: a 256x256 matmul ran at %.1f GFLOP/s; is the reference BLAS in use? "
              "apt-get install libopenblas0-pthread" % gflops, file=sys.stderr)


def load_tower(model, path, checkpoint=None):
    """Copies the vision_tower.* weights of checkpoint `path` (a training checkpoint or an exported
    folder such as weights/demo/llava; or `checkpoint`, that already loaded) into model (a LLaVA or
    a stage-1 model; its other weights stay as they are) and returns how many tensors it copied."""
    checkpoint = checkpoint or export_demo.checkpoint(path)
    tower = {k: v for k, v in checkpoint["state_dict"].items() if k.startswith("vision_tower.")}
    missing = [k for k in model.load_state_dict(tower, strict=False).missing_keys if k.startswith("vision_tower.")]
    assert not missing, "%s lacks %s" % (path, missing)
    return len(tower)


def run(a, model, opt, config, batch_fn, batch_args, loss_fn, header, columns):
    """loss_fn(batch) -> (loss tensor, extra floats to log), the batch as tensors on --device;
    batch_fn(batch_args(k)) -> batch k as a tuple of numpy arrays."""
    if a.device == "cpu":
        warn_if_reference_blas()
    if a.init:
        # every weight of the checkpoint; only the layers a model declares fresh may be missing
        # (an exported folder too: the bundled weights/demo/sam, say, whose training checkpoint is not kept)
        keys = model.load_state_dict(export_demo.checkpoint(a.init)["state_dict"], strict=False)
        missing = [k for k in keys.missing_keys if not k.startswith(getattr(model, "fresh", ()))]
        assert not missing and not keys.unexpected_keys, "%s: missing %s, unexpected %s" % (a.init, missing, keys.unexpected_keys)
    os.makedirs(os.path.dirname(a.log) or ".", exist_ok=True)
    log = open(a.log, "w")
    log.write("# %s, threads %d%s\n%s\n" % (header, a.threads, ", from %s, first batch %d" % (a.init, a.first_batch) if a.init else "", "\t".join(["step", "seconds", "loss"] + columns + ["lr"])))
    t0, acc, nacc, step = time.time(), np.zeros(1 + len(columns)), 0, 0
    with mp.get_context("fork").Pool(a.workers) as pool:
        model.to(a.device)  # after the fork: the scene workers never touch the GPU
        jobs = prefetch(pool, batch_fn, (batch_args(a.first_batch + k) for k in range(a.steps)), ahead=4 * a.workers)
        for step in range(1, a.steps + 1):
            lr = learning_rate(a, step, (time.time() - t0) / 60)
            for g in opt.param_groups:
                g["lr"] = lr * g.get("scale", 1.0)
            loss, extra = loss_fn(tuple(torch.from_numpy(x).to(a.device) for x in next(jobs)))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            acc += (loss.item(),) + tuple(extra)
            nacc += 1
            stop = (time.time() - t0) / 60 > a.max_minutes or step == a.stop_step
            if step % 25 == 0 or step == a.steps or stop:
                log.write("\t".join(["%d" % step, "%.0f" % (time.time() - t0)] + ["%.4f" % v for v in acc / nacc] + ["%.2e" % lr]) + "\n")
                log.flush()
                acc, nacc = np.zeros(1 + len(columns)), 0
            if step % a.save_every == 0 or step == a.steps or stop:
                state = {k: v.cpu() for k, v in model.state_dict().items()}
                torch.save({"config": config, "step": step, "state_dict": state, "args": vars(a)}, a.out + ".tmp")
                os.replace(a.out + ".tmp", a.out)
            if stop:
                log.write("# stopped at step %d (--max-minutes or --stop-step)\n" % step)
                break
    log.write("# done: %d steps in %.0f s\n" % (step, time.time() - t0))
    log.close()
