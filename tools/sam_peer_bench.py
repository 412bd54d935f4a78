#!/usr/bin/env python3
"""The peer for `jground bench sam`: SAM's ViT image encoder in PyTorch, official shapes
(segment-anything's ImageEncoderViT: patch embedding, absolute positions, windowed blocks with
decomposed relative positions, global blocks, the neck), random weights, one 1024x1024 image;
then a point prompt as `jground bench sam` times it: decode (prompt encoder and mask decoder,
image embedding to 3 low-res masks and IoU) and masks (upscaled to 1024x768, cropped,
thresholded). Only measures time; nothing here is used at run time.

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/sam_peer_bench.py [--model vit_b|vit_l|vit_h] [--threads 2] [--runs 3]
Last lines: sam-peer-prompt decode=<ms> masks=<ms> (medians of 20 after 10)
            sam-peer model=vit_b threads=2 torch=<version>: <seconds> s
"""
import argparse, math, os, statistics, time

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


class MLP(nn.Module):
    def __init__(self, dims, act=nn.ReLU):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.act = act()

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x) if i == len(self.layers) - 1 else self.act(layer(x))
        return x


class TokenAttention(nn.Module):  # the mask decoder's attention, channels downsampled for the cross ones
    def __init__(self, dim, heads, down=1):
        super().__init__()
        self.heads, inner = heads, dim // down
        self.q, self.k, self.v, self.out = nn.Linear(dim, inner), nn.Linear(dim, inner), nn.Linear(dim, inner), nn.Linear(inner, dim)

    def forward(self, q, k, v):
        split = lambda t: t.reshape(t.shape[0], t.shape[1], self.heads, -1).transpose(1, 2)
        q, k, v = split(self.q(q)), split(self.k(k)), split(self.v(v))
        attn = (q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5).softmax(dim=-1)
        return self.out((attn @ v).transpose(1, 2).flatten(2))


class TwoWayBlock(nn.Module):
    def __init__(self, dim=256, heads=8, skip_pe=False):
        super().__init__()
        self.skip_pe = skip_pe
        self.self_attn, self.t2i, self.i2t = TokenAttention(dim, heads), TokenAttention(dim, heads, 2), TokenAttention(dim, heads, 2)
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(4))
        self.mlp = MLP([dim, 2048, dim])

    def forward(self, queries, keys, query_pe, key_pe):
        if self.skip_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norms[0](queries)
        q, k = queries + query_pe, keys + key_pe
        queries = self.norms[1](queries + self.t2i(q, k, keys))
        queries = self.norms[2](queries + self.mlp(queries))
        q = queries + query_pe
        keys = self.norms[3](keys + self.i2t(k, q, queries))
        return queries, keys


class PromptDecoder(nn.Module):  # PromptEncoder (points, no mask) + MaskDecoder, multimask output
    def __init__(self, dim=256, grid=64, image=1024):
        super().__init__()
        self.grid, self.image = grid, image
        self.gaussian = nn.Parameter(torch.randn(2, dim // 2))
        self.point_embed, self.not_a_point, self.no_mask = nn.Parameter(torch.randn(4, dim)), nn.Parameter(torch.randn(dim)), nn.Parameter(torch.randn(dim))
        self.tokens = nn.Parameter(torch.randn(5, dim))  # the IoU token, then 4 mask tokens
        self.blocks = nn.ModuleList([TwoWayBlock(skip_pe=True), TwoWayBlock()])
        self.final_attn, self.final_norm = TokenAttention(dim, 8, 2), nn.LayerNorm(dim)
        self.up1, self.up_norm, self.up2 = nn.ConvTranspose2d(dim, dim // 4, 2, 2), LayerNorm2d(dim // 4), nn.ConvTranspose2d(dim // 4, dim // 8, 2, 2)
        self.hyper = nn.ModuleList(MLP([dim, dim, dim // 8]) for _ in range(4))
        self.iou_head = MLP([dim, 256, 4])

    def fourier(self, xy):  # xy in [0, 1]
        c = 2 * math.pi * ((2 * xy - 1) @ self.gaussian)
        return torch.cat([c.sin(), c.cos()], dim=-1)

    def dense_pe(self):
        ys, xs = torch.meshgrid(torch.arange(self.grid) + 0.5, torch.arange(self.grid) + 0.5, indexing="ij")
        return self.fourier(torch.stack([xs, ys], dim=-1) / self.grid).permute(2, 0, 1)

    def forward(self, embedding, pe, point):
        xy = (torch.tensor([point, [0.0, 0.0]]) + 0.5) / self.image   # the pad point of a prompt without a box
        sparse = self.fourier(xy)
        sparse = torch.stack([sparse[0] + self.point_embed[1], self.not_a_point])
        queries = torch.cat([self.tokens, sparse])[None]
        keys = (embedding + self.no_mask[:, None, None]).flatten(1).T[None]
        key_pe = pe.flatten(1).T[None]
        query_pe = queries
        for block in self.blocks:
            queries, keys = block(queries, keys, query_pe, key_pe)
        queries = self.final_norm(queries + self.final_attn(queries + query_pe, keys + key_pe, keys))
        src = keys[0].T.reshape(1, -1, self.grid, self.grid)
        up = F.gelu(self.up2(F.gelu(self.up_norm(self.up1(src)))))
        hyper = torch.stack([mlp(queries[0, 1 + i]) for i, mlp in enumerate(self.hyper)])
        masks = (hyper @ up.flatten(2)[0]).reshape(1, 4, 4 * self.grid, 4 * self.grid)
        return masks[:, 1:], self.iou_head(queries[0, 0])[1:]


def time_prompts(a):
    dec = PromptDecoder().eval()
    with torch.no_grad():
        embedding, pe = torch.randn(256, 64, 64), dec.dense_pe()
        decode, post = [], []
        for i in range(30):
            t0 = time.perf_counter()
            masks, iou = dec(embedding, pe, [512.0 + i, 384.0 * 1024 / 1024])
            t1 = time.perf_counter()
            up = F.interpolate(masks, (1024, 1024), mode="bilinear", align_corners=False)[..., :768, :1024]
            up = F.interpolate(up, (768, 1024), mode="bilinear", align_corners=False) > 0
            t2 = time.perf_counter()
            decode.append((t1 - t0) * 1e3)
            post.append((t2 - t1) * 1e3)
    assert tuple(up.shape) == (1, 3, 768, 1024)
    d, p = sorted(decode[10:]), sorted(post[10:])
    print(f"sam-peer-prompt decode={statistics.median(d):.1f} ms ({d[0]:.1f}-{d[-1]:.1f}) "
          f"masks={statistics.median(p):.1f} ms ({p[0]:.1f}-{p[-1]:.1f}) (medians of 20 after 10)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="vit_b", choices=sorted(SIZES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prompt-only", action="store_true", help="only the prompt's decode and masks")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    time_prompts(a)
    if a.prompt_only:
        return
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
