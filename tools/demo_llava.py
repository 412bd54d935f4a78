#!/usr/bin/python3
"""A tiny LlavaForConditionalGeneration in plain PyTorch, with Hugging Face's module paths.

The state_dict keys are the llava-hf checkpoint names (transformers <= 4.51 layout, see
src/test/resources/golden/README.md), so `model.state_dict()` saved as safetensors is what
jground's LlavaLayout expects. Word embeddings are tied (no language_model.lm_head.weight).
The forward pass follows transformers' CLIPVisionModel, LlavaMultiModalProjector and
LlamaForCausalLM (eager attention) and LLaVA-1.5's preprocessing (expand2square, PIL bicubic).
"""
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PAD_COLOUR = tuple(int(m * 255) for m in CLIP_MEAN)  # (122, 116, 104), llava/mm_utils.py expand2square

# The llava_v1 prompt "{system} USER: <image>\nDescribe the image in detail. ASSISTANT:" as LLaVA's
# tokenizer_image_token makes it (ids from `jground tokenize` with the LLaMA-2 tokenizer.json):
# the chunk before <image> with BOS, the image id, the chunk after <image> without its BOS.
PROMPT_BEFORE = [1, 319, 13563, 1546, 263, 12758, 5199, 322, 385, 23116, 21082, 20255, 29889, 450, 20255, 4076,
                 8444, 29892, 13173, 29892, 322, 1248, 568, 6089, 304, 278, 5199, 29915, 29879, 5155, 29889, 3148,
                 1001, 29901, 29871]
PROMPT_AFTER = [29871, 13, 4002, 29581, 278, 1967, 297, 9493, 29889, 319, 1799, 9047, 13566, 29901]
EOS = 2

# Caption words as the LLaMA-2 tokenizer splits them with their leading space ("▁word"), and the
# punctuation that follows a word without space (from `jground tokenize`). tokenize_caption is
# checked against the Java tokenizer on whole captions in train_demo_llava.py --check-tokens.
WORD_IDS = {"a": [263], "small": [2319], "large": [2919], "red": [2654], "green": [7933], "blue": [7254],
            "yellow": [13328], "orange": [24841], "purple": [3708, 552], "white": [4796], "black": [4628],
            "circle": [8607], "square": [6862], "triangle": [17205], "to": [304], "the": [278], "left": [2175],
            "of": [310], "and": [322], "on": [373], "right": [1492], "at": [472], "top": [2246], "bottom": [5970]}
PUNCT_IDS = {",": 29892, ".": 29889}


def used_ids():
    """Every id the prompt or a caption can hold: the only embedding rows training ever touches."""
    ids = set(PROMPT_BEFORE) | set(PROMPT_AFTER) | set(PUNCT_IDS.values()) | {EOS}
    for w in WORD_IDS.values():
        ids |= set(w)
    return sorted(ids)


def decode_text(ids):
    """The caption of generated ids (up to EOS), words joined by spaces, punctuation attached; an id
    outside the demo's words as <id>."""
    inv = {tuple(v): k for k, v in WORD_IDS.items()}
    words, i = [], 0
    while i < len(ids) and ids[i] != EOS:
        if ids[i] in PUNCT_IDS.values():
            words[-1:] = [(words[-1] if words else "") + [k for k, v in PUNCT_IDS.items() if v == ids[i]][0]]
            i += 1
            continue
        for n in (2, 1):
            if tuple(ids[i:i + n]) in inv:
                words.append(inv[tuple(ids[i:i + n])])
                i += n
                break
        else:
            words.append("<%d>" % ids[i])
            i += 1
    return " ".join(words)


def tokenize_caption(caption):
    ids = []
    for word in caption.split(" "):
        tail = []
        while word and word[-1] in PUNCT_IDS:
            tail.insert(0, PUNCT_IDS[word[-1]])
            word = word[:-1]
        ids += WORD_IDS[word] + tail
    return ids


def config(image_size=192, patch=16, vision_hidden=96, vision_layers=4, text_hidden=128, text_layers=4, heads=4,
           text_intermediate=344, max_positions=320):
    return {
        "architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100,
        "image_seq_length": (image_size // patch) ** 2, "image_token_index": 32000, "model_type": "llava",
        "multimodal_projector_bias": True, "pad_token_id": 32001, "projector_hidden_act": "gelu",
        "text_config": {
            "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
            "bos_token_id": 1, "eos_token_id": 2, "head_dim": text_hidden // heads, "hidden_act": "silu",
            "hidden_size": text_hidden, "initializer_range": 0.02, "intermediate_size": text_intermediate,
            "max_position_embeddings": max_positions, "mlp_bias": False, "model_type": "llama",
            "num_attention_heads": heads, "num_hidden_layers": text_layers, "num_key_value_heads": heads,
            "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 10000.0,
            "tie_word_embeddings": True, "torch_dtype": "float16", "use_cache": True, "vocab_size": 32064},
        "tie_word_embeddings": True, "torch_dtype": "float16",
        "vision_config": {
            "attention_dropout": 0.0, "dropout": 0.0, "hidden_act": "quick_gelu", "hidden_size": vision_hidden,
            "image_size": image_size, "initializer_factor": 1.0, "initializer_range": 0.02,
            "intermediate_size": 4 * vision_hidden, "layer_norm_eps": 1e-05, "model_type": "clip_vision_model",
            "num_attention_heads": heads, "num_channels": 3, "num_hidden_layers": vision_layers, "patch_size": patch,
            "projection_dim": 512},
        "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}


def preprocessor_config(c):
    size = c["vision_config"]["image_size"]
    return {"crop_size": {"height": size, "width": size}, "do_center_crop": True, "do_convert_rgb": True,
            "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": list(CLIP_MEAN),
            "image_processor_type": "CLIPImageProcessor", "image_std": list(CLIP_STD), "processor_class": "LlavaProcessor",
            "resample": 3, "rescale_factor": 1 / 255, "size": {"shortest_edge": size}}


def preprocess(image, size):
    """uint8 HWC -> float32 [3, size, size]: expand2square, PIL bicubic shortest edge, centre crop, normalise."""
    return normalise(square(image, size))


def square(image, size):
    """uint8 HWC -> uint8 [size, size, 3]: expand2square in the mean colour, PIL bicubic to size."""
    im = Image.fromarray(image)
    w, h = im.size
    if w != h:
        side = max(w, h)
        sq = Image.new("RGB", (side, side), PAD_COLOUR)
        sq.paste(im, ((side - w) // 2, (side - h) // 2))
        im = sq
    return np.asarray(im.resize((size, size), Image.BICUBIC), np.uint8)  # a square: shortest edge = size, the crop keeps it all


def patch_centres(grid, h, w):
    """Centres (x, y) of the grid x grid patches of square()'s output, in pixels of the original h x w
    image (float arrays in row-major patch order): expand2square undone. Centres on the padding fall
    outside [0, w) x [0, h)."""
    side = max(h, w)
    rows, cols = np.divmod(np.arange(grid * grid), grid)
    return (cols + 0.5) / grid * side - (side - w) // 2, (rows + 0.5) / grid * side - (side - h) // 2


def normalise(pixels):
    """uint8 [size, size, 3] -> float32 [3, size, size]: rescale by 1/255, CLIP mean and std."""
    x = (pixels.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(CLIP_MEAN, np.float32)) / np.array(CLIP_STD, np.float32)
    return x.transpose(2, 0, 1).copy()


class ClipAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.heads
        q, k, v = (p(x).view(b, t, self.heads, hd).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        a = torch.softmax(q @ k.transpose(-1, -2) * hd ** -0.5, dim=-1)
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, t, d))


class ClipMlp(nn.Module):
    def __init__(self, d, i):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, i), nn.Linear(i, d)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class ClipEncoderLayer(nn.Module):
    def __init__(self, vc):
        super().__init__()
        d, eps = vc["hidden_size"], vc["layer_norm_eps"]
        self.self_attn = ClipAttention(d, vc["num_attention_heads"])
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
        self.mlp = ClipMlp(d, vc["intermediate_size"])

    def forward(self, x):
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


def position_pattern(g, d):
    """[g*g, d] sines and cosines of each patch's column (first half) and row (second half), patches
    row-major, frequencies from 1 down to 1/g radian a patch."""
    rows, cols = torch.meshgrid(torch.arange(g).float(), torch.arange(g).float(), indexing="ij")
    quarter = d // 4
    freq = 1.0 / (g ** (torch.arange(quarter).float() / quarter))
    return torch.cat([torch.sin(cols.reshape(-1, 1) * freq), torch.cos(cols.reshape(-1, 1) * freq),
                      torch.sin(rows.reshape(-1, 1) * freq), torch.cos(rows.reshape(-1, 1) * freq)], dim=1)


class ClipEmbeddings(nn.Module):
    def __init__(self, vc):
        super().__init__()
        d, p = vc["hidden_size"], vc["patch_size"]
        self.class_embedding = nn.Parameter(torch.randn(d) * 0.02)
        self.patch_embedding = nn.Conv2d(3, d, p, p, bias=False)
        self.position_embedding = nn.Embedding((vc["image_size"] // p) ** 2 + 1, d)

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
        return x + self.position_embedding.weight


class Encoder(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.layers = nn.ModuleList(ClipEncoderLayer(vc) for _ in range(vc["num_hidden_layers"]))


class ClipVisionTransformer(nn.Module):
    def __init__(self, vc):
        super().__init__()
        d, eps = vc["hidden_size"], vc["layer_norm_eps"]
        self.embeddings = ClipEmbeddings(vc)
        self.pre_layrnorm = nn.LayerNorm(d, eps=eps)
        self.encoder = Encoder(vc)
        self.post_layernorm = nn.LayerNorm(d, eps=eps)  # stored, unused by LLaVA

    def features(self, pixels, layer=-2):
        """hidden_states[layer] where hidden_states[0] = pre_layrnorm(embeddings), [i] = output of layer i-1."""
        x = self.pre_layrnorm(self.embeddings(pixels))
        index = layer if layer >= 0 else len(self.encoder.layers) + 1 + layer
        for l in self.encoder.layers[:index]:  # the layers after it are not needed
            x = l(x)
        return x


class VisionTower(nn.Module):
    def __init__(self, vc):
        super().__init__()
        self.vision_model = ClipVisionTransformer(vc)


class Projector(nn.Module):
    def __init__(self, dv, d):
        super().__init__()
        self.linear_1, self.linear_2 = nn.Linear(dv, d), nn.Linear(d, d)

    def forward(self, x):
        return self.linear_2(F.gelu(self.linear_1(x)))


class RmsNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class LlamaAttention(nn.Module):
    def __init__(self, tc):
        super().__init__()
        d, self.heads, self.hd = tc["hidden_size"], tc["num_attention_heads"], tc["head_dim"]
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(d, self.heads * self.hd, bias=False) for _ in range(3))
        self.o_proj = nn.Linear(self.heads * self.hd, d, bias=False)

    def forward(self, x, cos, sin, mask, past=None, keep=None):
        b, t, _ = x.shape
        q, k, v = (p(x).view(b, t, self.heads, self.hd).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        if keep is not None:
            keep.append((k, v))
        s = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
        if mask is not None:
            s = s + mask
        p = torch.softmax(s, dim=-1)
        return self.o_proj((p @ v).transpose(1, 2).reshape(b, t, -1)), p


class LlamaMlp(nn.Module):
    def __init__(self, tc):
        super().__init__()
        d, i = tc["hidden_size"], tc["intermediate_size"]
        self.gate_proj, self.up_proj = nn.Linear(d, i, bias=False), nn.Linear(d, i, bias=False)
        self.down_proj = nn.Linear(i, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, tc):
        super().__init__()
        self.self_attn, self.mlp = LlamaAttention(tc), LlamaMlp(tc)
        self.input_layernorm = RmsNorm(tc["hidden_size"], tc["rms_norm_eps"])
        self.post_attention_layernorm = RmsNorm(tc["hidden_size"], tc["rms_norm_eps"])

    def forward(self, x, cos, sin, mask, past=None, keep=None):
        a, p = self.self_attn(self.input_layernorm(x), cos, sin, mask, past, keep)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), p


class LlamaModel(nn.Module):
    def __init__(self, tc):
        super().__init__()
        self.embed_tokens = nn.Embedding(tc["vocab_size"], tc["hidden_size"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(tc) for _ in range(tc["num_hidden_layers"]))
        self.norm = RmsNorm(tc["hidden_size"], tc["rms_norm_eps"])


class LanguageModel(nn.Module):
    def __init__(self, tc):
        super().__init__()
        self.model = LlamaModel(tc)


class Llava(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c, tc, vc = c, c["text_config"], c["vision_config"]
        self.vision_tower = VisionTower(vc)
        self.multi_modal_projector = Projector(vc["hidden_size"], tc["hidden_size"])
        self.language_model = LanguageModel(tc)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)
        self._init_vision(vc)
        # Rows of tokens that never occur stay exactly zero (no gradient reaches them, and AdamW's
        # decay of zero is zero), so their tied logits are exactly 0 and the full-vocabulary softmax
        # equals a softmax over the used rows plus one class of logit log(#unused): training computes
        # that exact loss without the 32064-wide output layer.
        self.register_buffer("used", torch.tensor(used_ids()), persistent=False)
        w = self.language_model.model.embed_tokens.weight
        with torch.no_grad():
            keep = torch.zeros(w.shape[0], dtype=torch.bool)
            keep[self.used] = True
            w[~keep] = 0
        self.log_unused = math.log(w.shape[0] - len(self.used))
        hd = tc["head_dim"]
        inv = 1.0 / (tc["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        f = torch.outer(torch.arange(tc["max_position_embeddings"]).float(), inv)
        emb = torch.cat([f, f], dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def _init_vision(self, vc):
        """transformers' CLIP initialisation (CLIPPreTrainedModel._init_weights, factor 1), except the
        position embedding: a 2-D sine/cosine pattern of the patch's column and row, so that where
        an object is (captions name objects left to right) is visible from the first step."""
        d, n = vc["hidden_size"], vc["num_hidden_layers"]
        tower = self.vision_tower.vision_model
        nn.init.normal_(tower.embeddings.class_embedding, std=d ** -0.5)
        nn.init.normal_(tower.embeddings.patch_embedding.weight, std=0.02)
        for layer in tower.encoder.layers:
            a = layer.self_attn
            for p in (a.q_proj, a.k_proj, a.v_proj):
                nn.init.normal_(p.weight, std=d ** -0.5 * (2 * n) ** -0.5)
            nn.init.normal_(a.out_proj.weight, std=d ** -0.5)
            nn.init.normal_(layer.mlp.fc1.weight, std=(2 * d) ** -0.5)
            nn.init.normal_(layer.mlp.fc2.weight, std=d ** -0.5 * (2 * n) ** -0.5)
        with torch.no_grad():
            tower.embeddings.position_embedding.weight[0].normal_(std=0.02)
            tower.embeddings.position_embedding.weight[1:] = 0.5 * position_pattern(vc["image_size"] // vc["patch_size"], d)

    def embed(self, pixels, ids_after):
        """Input embeddings of prompt-before, image features, prompt-after, then ids_after [b, n]."""
        b = pixels.shape[0]
        feats = self.vision_tower.vision_model.features(pixels, self.c["vision_feature_layer"])[:, 1:]
        img = self.multi_modal_projector(feats)
        emb = self.language_model.model.embed_tokens
        dev = pixels.device
        before = emb(torch.tensor(PROMPT_BEFORE, device=dev)).expand(b, -1, -1)
        after = emb(torch.cat([torch.tensor(PROMPT_AFTER, device=dev).expand(b, -1), ids_after], dim=1))
        return torch.cat([before, img, after], dim=1)

    def decode(self, x, start=0, past=None, keep=None, attn=None):
        t = x.shape[1]
        cos, sin = self.cos[start:start + t], self.sin[start:start + t]
        mask = None
        if t > 1:
            mask = torch.full((t, t), float("-inf"), device=x.device).triu(1)
            if start:
                mask = torch.cat([torch.zeros(t, start, device=x.device), mask], dim=1)
        for i, layer in enumerate(self.language_model.model.layers):
            x, p = layer(x, cos, sin, mask, None if past is None else past[i], keep)
            if attn is not None:
                attn.append(p)
        return self.language_model.model.norm(x)

    def logits(self, h):
        return h @ self.language_model.model.embed_tokens.weight.t()

    def loss(self, pixels, caption_ids, lengths):
        """Mean cross-entropy of caption + EOS tokens; caption_ids [b, n] padded with EOS after each caption."""
        b, n = caption_ids.shape
        dev = caption_ids.device
        # the system prompt before the image is the same for every scene: run it once and share
        # its keys and values (causal attention: nothing after it changes them)
        emb = self.language_model.model.embed_tokens
        keep = []
        self.decode(emb(torch.tensor([PROMPT_BEFORE], device=dev)), 0, None, keep)
        past = [(k.expand(b, -1, -1, -1), v.expand(b, -1, -1, -1)) for k, v in keep]
        feats = self.vision_tower.vision_model.features(pixels, self.c["vision_feature_layer"])[:, 1:]
        x = torch.cat([self.multi_modal_projector(feats),
                       emb(torch.cat([torch.tensor(PROMPT_AFTER, device=dev).expand(b, -1), caption_ids[:, :-1]], dim=1))], dim=1)
        h = self.decode(x, len(PROMPT_BEFORE), past)
        h = h[:, -n:]  # the row before each caption token predicts it
        valid = torch.arange(n, device=dev)[None, :] <= lengths[:, None]  # caption tokens and the first EOS
        hv = h[valid]
        used = hv @ self.language_model.model.embed_tokens.weight[self.used].t()
        logits = torch.cat([used, torch.full((hv.shape[0], 1), self.log_unused, device=dev)], dim=1)
        target = torch.searchsorted(self.used, caption_ids[valid])
        return F.cross_entropy(logits, target)

    @torch.no_grad()
    def generate(self, pixels, max_new=40, keep_attn=False):
        """Greedy decoding of one image with a KV cache; returns ids, the logits row of each step, attentions."""
        x = self.embed(pixels, torch.zeros(1, 0, dtype=torch.long))
        ids, rows, attns, past, start = [], [], [], None, 0
        for step in range(max_new):
            keep, attn = [], []
            h = self.decode(x, start, past, keep, attn)
            row = self.logits(h[0, -1])
            start += x.shape[1]
            past = keep
            nxt = int(torch.argmax(row))
            ids.append(nxt)
            rows.append(row)
            if keep_attn:
                attns.append([a[0, :, -1] for a in attn])
            if nxt == EOS:
                break
            x = self.language_model.model.embed_tokens(torch.tensor([[nxt]]))
        return ids, torch.stack(rows), attns


def image_token_start():
    return len(PROMPT_BEFORE)


def load_config(path):
    with open(path) as f:
        return json.load(f)
