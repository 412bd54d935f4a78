#!/usr/bin/env python3
"""The peer for `jground bench sam`: SAM's ViT image encoder in PyTorch, official shapes
(segment-anything's ImageEncoderViT: patch embedding, absolute positions, windowed blocks with
decomposed relative positions, global blocks, the neck), random weights, one 1024x1024 image.
Only measures time; nothing here is used at run time.

    apt-get install -y python3-torch libopenblas0-pthread
    tools/sam_peer_bench.py [--model vit_b|vit_l|vit_h] [--threads 2] [--runs 3]
Last line: sam-peer model=vit_b threads=2 torch=<version>: <seconds> s
"""
import argparse, os, statistics, time

# OpenBLAS 0.3.21 (Debian's, behind torch's generic BLAS) does not know this CPU model and falls
# back to its SSE3 kernel, twice as slow; the fair peer is its AVX-512 kernel (as tools/perf_targets.sh)
if "avx512f" in open("/proc/cpuinfo").read():
    os.environ["OPENBLAS_CORETYPE"] = os.environ.get("PEER_CORETYPE", "SkylakeX")
    os.environ.pop("OPENBLAS_L2_SIZE", None)
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZES = {  # width, depth, heads, global blocks
    "vit_b": (768, 12, 12, (2, 5, 8, 11)),
    "vit_l": (1024, 24, 16, (5, 11, 17, 23)),
    "vit_h": (1280, 32, 16, (7, 15, 23, 31)),
}


class Attention(nn.Module):
    def __init__(self, dim, heads, size):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.rel_pos_h = nn.Parameter(torch.randn(2 * size - 1, dim // heads) * 0.02)
        self.rel_pos_w = nn.Parameter(torch.randn(2 * size - 1, dim // heads) * 0.02)

    def forward(self, x):
        b, h, w, c = x.shape
        qkv = self.qkv(x).reshape(b, h * w, 3, self.heads, -1).permute(2, 0, 3, 1, 4).reshape(3, b * self.heads, h * w, -1)
        q, k, v = qkv.unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        # decomposed relative positions, from the unscaled q (as the official code)
        idx_h = torch.arange(h)[:, None] - torch.arange(h)[None, :] + h - 1
        idx_w = torch.arange(w)[:, None] - torch.arange(w)[None, :] + w - 1
        rq = q.reshape(b * self.heads, h, w, -1)
        rel_h = torch.einsum("bhwc,hkc->bhwk", rq, self.rel_pos_h[idx_h])
        rel_w = torch.einsum("bhwc,wkc->bhwk", rq, self.rel_pos_w[idx_w])
        attn = (attn.view(-1, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).view(-1, h * w, h * w)
        x = (attn.softmax(dim=-1) @ v).view(b, self.heads, h, w, -1).permute(0, 2, 3, 1, 4).reshape(b, h, w, -1)
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, dim, heads, window, grid):
        super().__init__()
        self.window = window
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, window if window else grid)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        shortcut, x = x, self.norm1(x)
        if self.window:
            b, h, w, c = x.shape
            s = self.window
            ph, pw = (s - h % s) % s, (s - w % s) % s
            x = F.pad(x, (0, 0, 0, pw, 0, ph))
            hp, wp = h + ph, w + pw
            x = x.view(b, hp // s, s, wp // s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, s, s, c)
            x = self.attn(x)
            x = x.view(b, hp // s, wp // s, s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, c)[:, :h, :w, :]
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class LayerNorm2d(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.weight, self.bias = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        return self.weight[:, None, None] * (x - u) / torch.sqrt(s + 1e-6) + self.bias[:, None, None]


class ImageEncoder(nn.Module):
    def __init__(self, dim, depth, heads, global_blocks, image=1024, patch=16, out=256):
        super().__init__()
        grid = image // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.randn(1, grid, grid, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, 0 if i in global_blocks else 14, grid) for i in range(depth))
        self.neck = nn.Sequential(nn.Conv2d(dim, out, 1, bias=False), LayerNorm2d(out),
                                  nn.Conv2d(out, out, 3, padding=1, bias=False), LayerNorm2d(out))

    def forward(self, x):
        x = self.patch_embed(x).permute(0, 2, 3, 1) + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.neck(x.permute(0, 3, 1, 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vit_b", choices=sorted(SIZES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    enc = ImageEncoder(*SIZES[a.model]).eval()
    x = torch.randn(1, 3, 1024, 1024)
    times = []
    with torch.no_grad():
        for i in range(a.runs + 1):
            t0 = time.perf_counter()
            y = enc(x)
            times.append(time.perf_counter() - t0)
            print(f"  image {i}: {times[-1]:.2f} s{' (warm-up)' if i == 0 else ''}", flush=True)
    assert tuple(y.shape) == (1, 256, 64, 64)
    print(f"sam-peer model={a.model} threads={a.threads} torch={torch.__version__}: {statistics.median(times[1:]):.2f} s")


if __name__ == "__main__":
    main()
