#!/usr/bin/env python3
"""The peer for `jground bench unet` and `jground bench vae`: Stable Diffusion 1.5's UNet and VAE
encoder in plain PyTorch (no diffusers here), the modules and order of diffusers 0.15's
UNet2DConditionModel (CrossAttnDownBlock2D, DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D,
CrossAttnUpBlock2D, the default AttnProcessor: baddbmm, softmax, bmm) and AutoencoderKL's encoder
plus quant_conv, with random weights (PyTorch's default init) in F32 as the published checkpoint.
The UNet runs on [1, 4, L, L] latents with a [1, N, 768] context, through up block 1 (what DiffLMM
reads; nothing after it runs) and whole; the VAE on a [1, 3, S, S] image. Only measures time;
nothing here is used at run time.

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 tools/sd_peer_bench.py unet [--latent 48] [--context 576] [--threads 2] [--warmup 1] [--runs 3]
    /usr/bin/python3 tools/sd_peer_bench.py vae [--size 384] [--threads 2] [--warmup 1] [--runs 3]
Last line: sd-peer unet latent=48 context=576 threads=2 torch=<v>: through up block 1 <s> s (min <s>), whole <s> s (min <s>)
           sd-peer vae size=384 threads=2 torch=<v>: encoder <s> s (min <s>)
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

CHANNELS, HEADS, CONTEXT_DIM, GROUPS, LAYERS = (320, 640, 1280, 1280), 8, 768, 32, 2  # SD-1.5 unet/config.json
VAE_CHANNELS = (128, 256, 512, 512)                                                    # SD-1.5 vae/config.json


class Resnet(nn.Module):  # ResnetBlock2D, time_embedding_norm "default"; temb 0 in the VAE
    def __init__(self, cin, cout, temb, eps):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(GROUPS, cin, eps), nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2, self.conv2 = nn.GroupNorm(GROUPS, cout, eps), nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Attention(nn.Module):  # CrossAttention with AttnProcessor
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k, self.to_v = nn.Linear(context_dim, dim, bias=False), nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def heads_to_batch(self, t):
        b, n, d = t.shape
        return t.reshape(b, n, self.heads, d // self.heads).permute(0, 2, 1, 3).reshape(b * self.heads, n, d // self.heads)

    def forward(self, x, context=None):
        kv = x if context is None else context
        q, k, v = self.heads_to_batch(self.to_q(x)), self.heads_to_batch(self.to_k(kv)), self.heads_to_batch(self.to_v(kv))
        scores = torch.baddbmm(torch.empty(q.shape[0], q.shape[1], k.shape[1]), q, k.transpose(-1, -2), beta=0, alpha=self.scale)
        y = torch.bmm(scores.softmax(dim=-1), v)
        b = x.shape[0]
        y = y.reshape(b, self.heads, -1, y.shape[-1]).permute(0, 2, 1, 3).reshape(b, -1, self.heads * y.shape[-1])
        return self.to_out(y)


class Transformer2D(nn.Module):  # Transformer2DModel with one BasicTransformerBlock, 1x1 conv projections
    def __init__(self, dim, heads):
        super().__init__()
        self.norm, self.proj_in, self.proj_out = nn.GroupNorm(GROUPS, dim, 1e-6), nn.Conv2d(dim, dim, 1), nn.Conv2d(dim, dim, 1)
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attention(dim, dim, heads)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attention(dim, CONTEXT_DIM, heads)
        self.norm3, self.geglu, self.ff_out = nn.LayerNorm(dim), nn.Linear(dim, 8 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x, context):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x)).permute(0, 2, 3, 1).reshape(b, h * w, c)
        t = t + self.attn1(self.norm1(t))
        t = t + self.attn2(self.norm2(t), context)
        hidden, gate = self.geglu(self.norm3(t)).chunk(2, dim=-1)
        t = t + self.ff_out(hidden * F.gelu(gate))
        return self.proj_out(t.reshape(b, h, w, c).permute(0, 3, 1, 2)) + x


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        c, n, temb = CHANNELS, len(CHANNELS), 4 * CHANNELS[0]
        self.time_embedding = nn.Sequential(nn.Linear(c[0], temb), nn.SiLU(), nn.Linear(temb, temb))
        self.conv_in = nn.Conv2d(4, c[0], 3, padding=1)
        self.down = nn.ModuleList()
        for i in range(n):
            cin, attn = c[max(i - 1, 0)], i < n - 1   # CrossAttnDownBlock2D x3, then DownBlock2D
            blocks = nn.ModuleList()
            for j in range(LAYERS):
                blocks.append(Resnet(cin if j == 0 else c[i], c[i], temb, 1e-5))
                blocks.append(Transformer2D(c[i], HEADS) if attn else nn.Identity())
            down = nn.Conv2d(c[i], c[i], 3, stride=2, padding=1) if i < n - 1 else None
            self.down.append(nn.ModuleDict({"blocks": blocks, "down": down} if down else {"blocks": blocks}))
        self.mid = nn.ModuleList([Resnet(c[-1], c[-1], temb, 1e-5), Transformer2D(c[-1], HEADS), Resnet(c[-1], c[-1], temb, 1e-5)])
        rc = c[::-1]
        self.up = nn.ModuleList()
        for i in range(n):
            out, prev, cin, attn = rc[i], rc[max(i - 1, 0)], rc[min(i + 1, n - 1)], i > 0   # UpBlock2D, then CrossAttnUpBlock2D x3
            blocks = nn.ModuleList()
            for j in range(LAYERS + 1):
                skip = cin if j == LAYERS else out
                blocks.append(Resnet((prev if j == 0 else out) + skip, out, temb, 1e-5))
                blocks.append(Transformer2D(out, HEADS) if attn else nn.Identity())
            up = nn.Conv2d(out, out, 3, padding=1) if i < n - 1 else None
            self.up.append(nn.ModuleDict({"blocks": blocks, "up": up} if up else {"blocks": blocks}))
        self.conv_norm_out, self.conv_out = nn.GroupNorm(GROUPS, c[0], 1e-5), nn.Conv2d(c[0], 4, 3, padding=1)

    @staticmethod
    def sinusoid(t, dim):  # flip_sin_to_cos, freq_shift 0
        freqs = torch.exp(-math.log(10000) * torch.arange(dim // 2, dtype=torch.float32) / (dim // 2))
        a = t * freqs
        return torch.cat([a.cos(), a.sin()])[None]

    @staticmethod
    def pairs(blocks, x, temb, context, skips_in=None, skips_out=None):
        """Each (resnet, transformer or nothing) pair; up blocks take a skip before each resnet, down blocks leave one after."""
        for resnet, attn in zip(blocks[0::2], blocks[1::2]):
            if skips_in is not None:
                x = torch.cat([x, skips_in.pop()], dim=1)
            x = resnet(x, temb)
            if not isinstance(attn, nn.Identity):
                x = attn(x, context)
            if skips_out is not None:
                skips_out.append(x)
        return x

    def forward(self, sample, t, context, last_up_block=None):
        temb = self.time_embedding(self.sinusoid(t, CHANNELS[0]))
        x = self.conv_in(sample)
        skips = [x]
        for block in self.down:
            x = self.pairs(block["blocks"], x, temb, context, skips_out=skips)
            if "down" in block:
                x = block["down"](x)
                skips.append(x)
        x = self.mid[0](x, temb)
        x = self.mid[2](self.mid[1](x, context), temb)
        for i, block in enumerate(self.up):
            x = self.pairs(block["blocks"], x, temb, context, skips_in=skips)
            if "up" in block:
                x = block["up"](F.interpolate(x, scale_factor=2.0, mode="nearest"))
            if i == last_up_block:
                return x
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeEncoder(nn.Module):  # vae.py Encoder (double_z) + quant_conv
    def __init__(self):
        super().__init__()
        c, n = VAE_CHANNELS, len(VAE_CHANNELS)
        self.conv_in = nn.Conv2d(3, c[0], 3, padding=1)
        self.down = nn.ModuleList()
        for i in range(n):
            layers = [Resnet(c[max(i - 1, 0)] if j == 0 else c[i], c[i], 0, 1e-6) for j in range(LAYERS)]
            if i < n - 1:
                layers.append(nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(c[i], c[i], 3, stride=2)))
            self.down.append(nn.Sequential(*layers))
        self.mid1, self.mid2 = Resnet(c[-1], c[-1], 0, 1e-6), Resnet(c[-1], c[-1], 0, 1e-6)
        self.attn_norm = nn.GroupNorm(GROUPS, c[-1], 1e-6)
        self.query, self.key, self.value, self.proj = (nn.Linear(c[-1], c[-1]) for _ in range(4))
        self.conv_norm_out, self.conv_out = nn.GroupNorm(GROUPS, c[-1], 1e-6), nn.Conv2d(c[-1], 8, 3, padding=1)
        self.quant_conv = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        x = self.conv_in(x)
        for block in self.down:
            x = block(x)
        x = self.mid1(x)
        b, c, h, w = x.shape
        t = self.attn_norm(x).reshape(b, c, h * w).transpose(1, 2)   # one head of width c
        p = torch.baddbmm(torch.empty(b, h * w, h * w), self.query(t), self.key(t).transpose(1, 2), beta=0, alpha=c ** -0.5)
        x = self.proj(torch.bmm(p.softmax(dim=-1), self.value(t))).transpose(1, 2).reshape(b, c, h, w) + x
        x = self.mid2(x)
        return self.quant_conv(self.conv_out(F.silu(self.conv_norm_out(x))))


def timed(what, warmup, runs, fn):
    times = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        y = fn()
        s = time.perf_counter() - t0
        if i >= warmup:
            times.append(s)
        print(f"  {what} {i}: {s:.2f} s{' (warm-up)' if i < warmup else ''}", flush=True)
    return y, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["unet", "vae"])
    ap.add_argument("--latent", type=int, default=48)
    ap.add_argument("--context", type=int, default=576)
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    fmt = lambda v: f"{statistics.median(v):.2f} s (min {min(v):.2f})"
    with torch.no_grad():
        if a.model == "unet":
            unet = UNet().eval()
            sample, context = torch.randn(1, 4, a.latent, a.latent), torch.randn(1, a.context, CONTEXT_DIM)
            early, t1 = timed("through up block 1", a.warmup, a.runs, lambda: unet(sample, 100.0, context, last_up_block=1))
            whole, t2 = timed("whole", a.warmup, a.runs, lambda: unet(sample, 100.0, context))
            assert early.shape[1] == CHANNELS[2] and whole.shape == sample.shape, (early.shape, whole.shape)
            print(f"sd-peer unet latent={a.latent} context={a.context} threads={a.threads} torch={torch.__version__}: "
                  f"through up block 1 {fmt(t1)}, whole {fmt(t2)}")
        else:
            vae = VaeEncoder().eval()
            pixels = torch.randn(1, 3, a.size, a.size)
            moments, t = timed("encoder", a.warmup, a.runs, lambda: vae(pixels))
            assert moments.shape == (1, 8, a.size // 8, a.size // 8), moments.shape
            print(f"sd-peer vae size={a.size} threads={a.threads} torch={torch.__version__}: encoder {fmt(t)}")


if __name__ == "__main__":
    main()
