#!/usr/bin/python3
"""A tiny SamModel in plain PyTorch with transformers' module paths (state_dict keys = checkpoint names).

Follows segment-anything's modeling/ (image_encoder.py, prompt_encoder.py, mask_decoder.py,
transformer.py) as transformers' SamModel names it, and SamPredictor's preprocessing
(ResizeLongestSide with PIL bilinear, normalise, zero pad bottom-right). Batched over images;
one point prompt (plus the pad point) per prompt.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

PIXEL_MEAN = np.array([123.675, 116.28, 103.53], np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], np.float32)


def config(image_size=256, patch=16, hidden=96, layers=4, heads=4, window=8, global_attn=(1, 3), channels=64,
           decoder_layers=2, decoder_mlp=256):
    grid = image_size // patch
    return {
        "architectures": ["SamModel"], "initializer_range": 0.02, "model_type": "sam", "torch_dtype": "float16",
        "mask_decoder_config": {
            "attention_downsample_rate": 2, "hidden_act": "relu", "hidden_size": channels, "iou_head_depth": 3,
            "iou_head_hidden_dim": channels, "layer_norm_eps": 1e-06, "mlp_dim": decoder_mlp, "num_attention_heads": 4,
            "num_hidden_layers": decoder_layers, "num_multimask_outputs": 3},
        "prompt_encoder_config": {
            "hidden_act": "gelu", "hidden_size": channels, "image_embedding_size": grid, "image_size": image_size,
            "layer_norm_eps": 1e-06, "mask_input_channels": 16, "num_point_embeddings": 4, "patch_size": patch},
        "vision_config": {
            "attention_dropout": 0.0, "dropout": 0.0, "global_attn_indexes": list(global_attn), "hidden_act": "gelu",
            "hidden_size": hidden, "image_size": image_size, "initializer_factor": 1.0, "initializer_range": 0.02,
            "layer_norm_eps": 1e-06, "mlp_dim": 4 * hidden, "mlp_ratio": 4.0, "num_attention_heads": heads,
            "num_channels": 3, "num_hidden_layers": layers, "num_pos_feats": channels // 2, "output_channels": channels,
            "patch_size": patch, "qkv_bias": True, "use_abs_pos": True, "use_rel_pos": True, "window_size": window}}


def resized_shape(h, w, target):
    scale = target / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def preprocess(image, target):
    """uint8 HWC -> float32 [3, target, target] and the resized (h, w)."""
    h, w = image.shape[:2]
    nh, nw = resized_shape(h, w, target)
    im = np.asarray(Image.fromarray(image).resize((nw, nh), Image.BILINEAR), np.float32)
    x = np.zeros((target, target, 3), np.float32)
    x[:nh, :nw] = (im - PIXEL_MEAN) / PIXEL_STD
    return x.transpose(2, 0, 1).copy(), (nh, nw)


def point_to_model(xy, h, w, target):
    """ResizeLongestSide.apply_coords: original pixels -> the resized frame (float32)."""
    nh, nw = resized_shape(h, w, target)
    return np.float32(xy[0] * (nw / w)), np.float32(xy[1] * (nh / h))


class LayerNorm2d(nn.Module):
    def __init__(self, c, eps):
        super().__init__()
        self.weight, self.bias, self.eps = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c)), eps

    def forward(self, x):  # [B, C, H, W]
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class MlpBlock(nn.Module):
    def __init__(self, d, m, act):
        super().__init__()
        self.lin1, self.lin2, self.act = nn.Linear(d, m), nn.Linear(m, d), act

    def forward(self, x):
        h = self.lin1(x)
        return self.lin2(F.gelu(h) if self.act == "gelu" else F.relu(h))


class PatchEmbed(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.projection = nn.Conv2d(3, vc["hidden_size"], vc["patch_size"], vc["patch_size"])


def rel_pos(size, table):
    """get_rel_pos for equal query and key sizes: R[q, k] = table[q - k + size - 1]."""
    idx = torch.arange(size)[:, None] - torch.arange(size)[None, :] + size - 1
    return table[idx]


class VisionAttention(nn.Module):
    def __init__(self, vc, size):
        super().__init__()
        d, self.heads = vc["hidden_size"], vc["num_attention_heads"]
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        hd = d // self.heads
        self.rel_pos_h = nn.Parameter(torch.zeros(2 * size - 1, hd))
        self.rel_pos_w = nn.Parameter(torch.zeros(2 * size - 1, hd))

    def forward(self, x):  # [B, H, W, D]
        b, h, w, d = x.shape
        hd = d // self.heads
        qkv = self.qkv(x).reshape(b, h * w, 3, self.heads, hd).permute(2, 0, 3, 1, 4).reshape(3, b * self.heads, h * w, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * hd ** -0.5) @ k.transpose(-2, -1)
        rq = q.reshape(b * self.heads, h, w, hd)
        rel_h = torch.einsum("bhwc,hkc->bhwk", rq, rel_pos(h, self.rel_pos_h))
        rel_w = torch.einsum("bhwc,wkc->bhwk", rq, rel_pos(w, self.rel_pos_w))
        attn = (attn.view(-1, h, w, h, w) + rel_h[:, :, :, :, None] + rel_w[:, :, :, None, :]).view(-1, h * w, h * w)
        out = (attn.softmax(-1) @ v).view(b, self.heads, h, w, hd).permute(0, 2, 3, 1, 4).reshape(b, h, w, d)
        return self.proj(out)


class VisionLayer(nn.Module):
    def __init__(self, vc, window):
        super().__init__()
        d, eps = vc["hidden_size"], vc["layer_norm_eps"]
        self.window = window
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.attn = VisionAttention(vc, window if window else vc["image_size"] // vc["patch_size"])
        self.mlp = MlpBlock(d, vc["mlp_dim"], vc["hidden_act"])

    def forward(self, x):  # [B, g, g, D]; the grid is a multiple of the window here, so no padding
        b, g, _, d = x.shape
        h = self.layer_norm1(x)
        if self.window:
            s, n = self.window, g // self.window
            h = h.view(b, n, s, n, s, d).permute(0, 1, 3, 2, 4, 5).reshape(b * n * n, s, s, d)
            h = self.attn(h).view(b, n, n, s, s, d).permute(0, 1, 3, 2, 4, 5).reshape(b, g, g, d)
        else:
            h = self.attn(h)
        x = x + h
        return x + self.mlp(self.layer_norm2(x))


class Neck(nn.Module):
    def __init__(self, vc):
        super().__init__()
        c, eps = vc["output_channels"], vc["layer_norm_eps"]
        self.conv1 = nn.Conv2d(vc["hidden_size"], c, 1, bias=False)
        self.layer_norm1 = LayerNorm2d(c, eps)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.layer_norm2 = LayerNorm2d(c, eps)

    def forward(self, x):
        return self.layer_norm2(self.conv2(self.layer_norm1(self.conv1(x))))


class VisionEncoder(nn.Module):
    def __init__(self, vc):
        super().__init__()
        g = vc["image_size"] // vc["patch_size"]
        self.patch_embed = PatchEmbed(vc)
        self.pos_embed = nn.Parameter(torch.zeros(1, g, g, vc["hidden_size"]))
        self.layers = nn.ModuleList(VisionLayer(vc, 0 if i in vc["global_attn_indexes"] else vc["window_size"])
                                    for i in range(vc["num_hidden_layers"]))
        self.neck = Neck(vc)

    def forward(self, pixels):
        x = self.patch_embed.projection(pixels).permute(0, 2, 3, 1) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        return self.neck(x.permute(0, 3, 1, 2))


class SharedEmbedding(nn.Module):
    """PositionEmbeddingRandom: a fixed Gaussian [2, F] (a buffer in the official code; never trained)."""

    def __init__(self, feats):
        super().__init__()
        self.register_buffer("positional_embedding", torch.randn(2, feats))

    def forward(self, xy):  # [..., 2] in [0, 1]
        c = (2 * xy - 1) @ self.positional_embedding
        c = 2 * math.pi * c
        return torch.cat([torch.sin(c), torch.cos(c)], dim=-1)


class MaskEmbed(nn.Module):
    def __init__(self, pc):
        super().__init__()
        m, c, eps = pc["mask_input_channels"], pc["hidden_size"], pc["layer_norm_eps"]
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(1, m // 4, 2, 2), nn.Conv2d(m // 4, m, 2, 2), nn.Conv2d(m, c, 1)
        self.layer_norm1, self.layer_norm2 = LayerNorm2d(m // 4, eps), LayerNorm2d(m, eps)


class PromptEncoder(nn.Module):
    def __init__(self, pc):
        super().__init__()
        c = pc["hidden_size"]
        self.point_embed = nn.ModuleList(nn.Embedding(1, c) for _ in range(4))
        self.not_a_point_embed, self.no_mask_embed = nn.Embedding(1, c), nn.Embedding(1, c)
        self.mask_embed = MaskEmbed(pc)  # stored for the loader; the demo never feeds a mask


class Attention(nn.Module):
    def __init__(self, d, heads, down):
        super().__init__()
        i, self.heads = d // down, heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = nn.Linear(d, i), nn.Linear(d, i), nn.Linear(d, i), nn.Linear(i, d)

    def forward(self, q, k, v):  # [B, T, C]
        q, k, v = self.q_proj(q), self.k_proj(k), self.v_proj(v)
        b, tq, i = q.shape
        hd = i // self.heads
        q, k, v = (t.reshape(b, -1, self.heads, hd).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, tq, i))


class TwoWayBlock(nn.Module):
    def __init__(self, mc, skip_pe):
        super().__init__()
        d, h, down = mc["hidden_size"], mc["num_attention_heads"], mc["attention_downsample_rate"]
        self.self_attn = Attention(d, h, 1)
        self.cross_attn_token_to_image, self.cross_attn_image_to_token = Attention(d, h, down), Attention(d, h, down)
        self.layer_norm1, self.layer_norm2, self.layer_norm3, self.layer_norm4 = (nn.LayerNorm(d) for _ in range(4))
        self.mlp = MlpBlock(d, mc["mlp_dim"], mc["hidden_act"])
        self.skip_pe = skip_pe

    def forward(self, queries, keys, qpe, kpe):
        if self.skip_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + qpe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.layer_norm1(queries)
        q, k = queries + qpe, keys + kpe
        queries = self.layer_norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.layer_norm3(queries + self.mlp(queries))
        q, k = queries + qpe, keys + kpe
        keys = self.layer_norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, mc):
        super().__init__()
        self.layers = nn.ModuleList(TwoWayBlock(mc, i == 0) for i in range(mc["num_hidden_layers"]))
        d = mc["hidden_size"]
        self.final_attn_token_to_image = Attention(d, mc["num_attention_heads"], mc["attention_downsample_rate"])
        self.layer_norm_final_attn = nn.LayerNorm(d)

    def forward(self, image, pe, tokens):
        queries, keys = tokens, image
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, pe)
        q, k = queries + tokens, keys + pe
        return self.layer_norm_final_attn(queries + self.final_attn_token_to_image(q, k, keys)), keys


class FeedForward(nn.Module):
    def __init__(self, i, h, o, n):
        super().__init__()
        self.proj_in, self.proj_out = nn.Linear(i, h), nn.Linear(h, o)
        self.layers = nn.ModuleList(nn.Linear(h, h) for _ in range(n - 2))

    def forward(self, x):
        x = F.relu(self.proj_in(x))
        for l in self.layers:
            x = F.relu(l(x))
        return self.proj_out(x)


class MaskDecoder(nn.Module):
    def __init__(self, mc):
        super().__init__()
        c, n = mc["hidden_size"], mc["num_multimask_outputs"] + 1
        self.iou_token, self.mask_tokens = nn.Embedding(1, c), nn.Embedding(n, c)
        self.transformer = TwoWayTransformer(mc)
        self.upscale_conv1 = nn.ConvTranspose2d(c, c // 4, 2, 2)
        self.upscale_layer_norm = LayerNorm2d(c // 4, 1e-6)
        self.upscale_conv2 = nn.ConvTranspose2d(c // 4, c // 8, 2, 2)
        self.output_hypernetworks_mlps = nn.ModuleList(FeedForward(c, c, c // 8, 3) for _ in range(n))
        self.iou_prediction_head = FeedForward(c, mc["iou_head_hidden_dim"], n, mc["iou_head_depth"])

    def forward(self, image, pe, sparse, dense):
        """image [B, C, g, g] (one per prompt), pe [C, g, g], sparse [B, N, C], dense [C, g, g] -> all 4 masks, IoU."""
        b, c, g, _ = image.shape
        out = torch.cat([self.iou_token.weight, self.mask_tokens.weight], 0).expand(b, -1, -1)
        tokens = torch.cat([out, sparse], 1)
        src = (image + dense).flatten(2).transpose(1, 2)
        queries, keys = self.transformer(src, pe.flatten(1).t()[None].expand(b, -1, -1), tokens)
        up = keys.transpose(1, 2).reshape(b, c, g, g)
        up = F.gelu(self.upscale_layer_norm(self.upscale_conv1(up)))
        up = F.gelu(self.upscale_conv2(up))
        n = self.mask_tokens.weight.shape[0]
        hyper = torch.stack([self.output_hypernetworks_mlps[i](queries[:, 1 + i]) for i in range(n)], 1)
        masks = (hyper @ up.flatten(2)).view(b, n, 4 * g, 4 * g)
        return masks, self.iou_prediction_head(queries[:, 0])


class Sam(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.vision_encoder = VisionEncoder(c["vision_config"])
        self.shared_image_embedding = SharedEmbedding(c["vision_config"]["num_pos_feats"])
        self.prompt_encoder = PromptEncoder(c["prompt_encoder_config"])
        self.mask_decoder = MaskDecoder(c["mask_decoder_config"])
        # PyTorch's default initialisation, as the official segment-anything code: at this width
        # normal(0.02) weights make every attention uniform, the first (residual-free) token
        # self-attention erases the point, and training settles on "all objects" whatever the point

    def dense_pe(self):
        g = self.c["prompt_encoder_config"]["image_embedding_size"]
        ys, xs = torch.meshgrid(torch.arange(g, dtype=torch.float32), torch.arange(g, dtype=torch.float32), indexing="ij")
        xy = torch.stack([(xs + 0.5) / g, (ys + 0.5) / g], -1)
        return self.shared_image_embedding(xy).permute(2, 0, 1)

    def sparse(self, points):
        """points [B, 2] in the model's input frame, each one foreground point, plus the pad point."""
        size = self.c["prompt_encoder_config"]["image_size"]
        pe = self.shared_image_embedding((points + 0.5) / size) + self.prompt_encoder.point_embed[1].weight
        pad = self.prompt_encoder.not_a_point_embed.weight.expand(points.shape[0], -1)
        return torch.stack([pe, pad], 1)

    def decode(self, embeddings, points):
        c = self.c["prompt_encoder_config"]["hidden_size"]
        g = self.c["prompt_encoder_config"]["image_embedding_size"]
        dense = self.prompt_encoder.no_mask_embed.weight.view(c, 1, 1).expand(c, g, g)
        return self.mask_decoder(embeddings, self.dense_pe(), self.sparse(points), dense)
