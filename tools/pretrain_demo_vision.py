#!/usr/bin/python3
"""Stage 1 of the demo LLaVA: the vision tower learns from caption words alone, as CLIP did for LLaVA.

Real LLaVA starts from a CLIP tower pretrained on image-text pairs. The demo's tower starts from
random weights, and trained only through the captioning loss it learnt colours but never shapes or
sizes (the per-word loss of "circle", "square", "triangle", "small", "large" was the same with
shuffled images). So, like CLIP, we pretrain it on image-text pairs first; the text side is the bag
of the caption's words and noun phrases: which "{colour}", "{kind}", "{colour} {kind}" and
"{size} {colour} {kind}" the caption holds. No position, no mask, no box: only what the caption says
exists somewhere in the image (multi-label, the scene-level supervision of weakly supervised
detection). Each patch of hidden_states[-2] (what the projector reads) scores every label through
one linear layer; a label's image score is the log-sum-exp over patches (a soft max: the label
is present if some patch shows it). Same loop and batches as train_demo_llava.py. This
multi-label objective is not what the bundle uses (--probe, below, is).

Result (2026-12-03): the tower learns colour and size but not shape. On 300
held-out one-object scenes, the best-scoring label of each group is right for colour 99-100%, size
77-88%, kind 35-36% (chance 33%): after 600 steps of all scenes (batch 32, lr 1e-3) and after 456
steps of one-object scenes (--curriculum, lr 2e-3). A plain 3-way kind classifier on the same tower
(mean-pooled patches, cross-entropy, one-object scenes) stayed at chance, loss ln 3, for 800 steps
(25,600 scenes) at lr 1e-3 and 250 at 3e-4, while a small CNN on the same batches (four convs, 5x5
stride 2, max-pooled; for comparison only, not a LLaVA tower) left that plateau at step 150 and was
80% right by step 200: the data shows the shapes. Inside a shape every 16 px patch looks the same; only boundary
patches tell a circle from a triangle. --eval CKPT prints those held-out accuracies.

--probe is the stage 1 the bundled demo uses: the tower, the mean of its patches of
hidden_states[-2] and one linear layer learn the kind, size and colour words of one-object scenes'
captions (three cross-entropies), on --scenes scenes drawn once and sampled with random mirroring;
tools/train_demo_llava.py --vision-init then starts the captioner from that tower. The classifier
above "stayed at chance" only because those runs were short: at about 1300 steps of 32 it leaves
chance (0.43), 0.51 at 2450, and the bundle's 4000-step run ends at 0.55-0.59 (kind_acc in its log is
on its training batches; held-out 0.524); the bundle continues it (--init, 7736 more steps at lr 5e-4 on
48,000 scenes, the first 32,000 of them stage 1's) to held-out 0.774. --eval-local CKPT asks whether kind and colour can be read from an
object's own patches (any checkpoint with a tower: stage 1 or a captioner). Those earlier runs were also slow: a third of each step was page faults
until tools/training.py set mallopt. --patch and --image-size give a tower of another grid,
--vision-hidden a wider one.

Tried 2026-12-07 to make kind learn faster and sit where the object is (not used by the bundle;
figures in weights/demo/README.md, "Measured 2026-12-07, afternoon"): --lr 3e-3; --pool lse
(log-sum-exp of per-patch scores instead of the mean of patches); --teacher, then --distill TEACHER
(ShapeCNN below, and a tower that also regresses its map per patch); --vision-hidden 192; --patch 12.
After 1500 steps none put more kind in an object's own patches than the plain probe (0.396).

--position-weight W (2026-12-07, evening): the probe's loss plus W times how far one linear layer
is from reading each patch's place in the grid (the sin/cos pattern of demo_llava.position_pattern)
back out of hidden_states[-2]. The place of a patch is not where any object is: no mask or box. It
is there because the captioner names objects left to right and, on the plain probe's tower, could
not tell left from right (weights/demo/README.md, "Measured 2026-12-07, evening").

--pairs (same evening): the pair probe. On two-object scenes the mean of the patches and one linear
layer read the words of the caption's first phrase (the left object) and of its second; a mirrored
scene swaps them. Only the caption's words and their order: no mask or box. From the bundle's
stage-1 tower it learns which colour is on the left (0.92-0.95 on its batches after 4254 steps),
and a captioner on that tower names the leftmost object first 78% of the time (the bundle: 36%),
but the tower's kind wears away (named 37.6%).

--pairs --keep-kind W (same night) is the stage 1 the bundle now ends with: each step also draws a
batch of the word probe's one-object scenes (--scenes of them, as --probe draws them) and adds W
times the word probe's loss, read by its own linear layer (`single`) from the mean of the patches;
the heads of --tower-init's checkpoint whose shapes match start from it. From the word probe's
tower (/work/run7/vision.pt), 3000 steps: held-out one-object kind 0.824 (the tower it started from
0.774), own-patch kind 0.467, and the captioner on it names the leftmost object first 76.5% of the
time and 49.4% of objects in all (weights/demo/README.md, "Measured 2026-12-07, night").

--phrases N (N 2, 3 or 4; --pairs is --phrases 2; same night, later): the pair probe over scenes of
exactly N objects, the words of each of the caption's N phrases. With --keep-kind 1 from the bundle's
tower (--tower-init takes an exported folder too), 3000 steps: held-out one-object kind 0.835 (N 3)
and 0.841 (N 4), but each object's kind on its own batches stays at 0.44-0.52, and the captioners on
those towers name no more (48.5%, 45.8%) and point worse (PAcc 24 and 34 at best, the bundle 48.5):
not used (weights/demo/README.md, "Measured 2026-12-07, late night").

--slots (2026-12-08) is the stage 1 the bundle now ends with: the slot probe (SlotProbe below) on
scenes of one to four objects, every phrase of the caption read by its own attention over the
patches, the kind's query knowing the size and colour the caption said first, as the captioner's
does. From the pair probe's tower, 7000 steps at lr 1e-3 on 20,000 scenes, then 7000 more (--init)
on 30,000 new ones (--scene-first): on held-out scenes each object's kind in scenes of several
objects 0.710, then 0.914 (the mean-pooled probes: 0.44-0.52), and the captioner on that tower names
84.4% of objects. Its attention reads do not stay on the object (about half their peaks land
elsewhere; background patches grow larger than the objects'), and neither does the captioner's in
its later layers: the bundle reads decoder layer 0, where the points are (weights/demo/README.md,
"Measured 2026-12-08"). --slot-keys input finds the kind's patches by their hidden_states[0] (each
patch on its own) instead, so the kind must be carried where the object is drawn.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_llava as dl  # noqa: E402
import export_demo  # noqa: E402
import scenes  # noqa: E402
import training  # noqa: E402

SIZES = ["small", "large"]
COLOURS = ["red", "green", "blue", "yellow", "orange", "purple", "white", "black"]
KINDS = ["circle", "square", "triangle"]
LABELS = (COLOURS + KINDS + ["%s %s" % (c, k) for c in COLOURS for k in KINDS]
          + ["%s %s %s" % (s, c, k) for s in SIZES for c in COLOURS for k in KINDS])
INDEX = {l: i for i, l in enumerate(LABELS)}


def lse_pool(scores):
    """[b, patches, n] -> [b, n]: log-sum-exp over patches minus log(patches), a soft max that scores
    a label no patch shows at the mean patch score, not that plus log(patches)."""
    return torch.logsumexp(scores, dim=1) - math.log(scores.shape[1])


def split_words(s):
    """[b, 13] word scores -> (kind, size, colour) scores: the order of caption_scenes' columns."""
    k, z = len(KINDS), len(KINDS) + len(SIZES)
    return s[:, :k], s[:, k:z], s[:, z:]


def labels(caption):
    """Multi-hot [len(LABELS)] of the words and phrases the caption holds (read from its text)."""
    y = np.zeros(len(LABELS), np.float32)
    words = caption.replace(",", " ").replace(".", " ").split()
    for i, w in enumerate(words):
        for n in (1, 2, 3):
            phrase = " ".join(words[i:i + n])
            if phrase in INDEX:
                y[INDEX[phrase]] = 1
    return y


def batch(args):
    start, count, size, seed, max_objects = args
    pix, ys = [], []
    for i in range(start, start + count):
        s = scenes.make_scene(seed, i, max_objects)
        pix.append(dl.preprocess(s["image"], size))
        ys.append(labels(s["caption"]))
    return np.stack(pix), np.stack(ys)


CACHE = {}  # --scenes: the drawn scenes, shared with the batch worker by fork


def phrase_words(caption):
    """[[kind, size, colour] indices] of each "a {size} {colour} {kind}" phrase of a caption, in its order."""
    return [[KINDS.index(kind), SIZES.index(sz), COLOURS.index(colour)] for sz, colour, kind in scenes.phrases(caption)]


def drawn(fn, first, count, workers, *rest):
    """The scenes first..first+count-1 drawn once by fn ((start, count, *rest) -> (pixels, words)) in
    chunks of 1000 on `workers` processes (at least two), concatenated in order."""
    with training.mp.get_context("fork").Pool(max(2, workers)) as pool:
        parts = pool.map(fn, [(first + i, min(1000, count - i)) + rest for i in range(0, count, 1000)])
    return np.concatenate([p for p, _ in parts]), np.concatenate([w for _, w in parts])


def caption_scenes(args):
    """uint8 squares of the scenes among start..start+count-1 that have n objects (at most n are
    drawn) and, per scene, the (kind, size, colour) indices of each "a {size} {colour} {kind}" phrase
    of its caption, in the caption's order: the word probe's one-object scenes (n 1) and the pair
    probe's two-object scenes (n 2, the left object first)."""
    start, count, size, seed, n = args
    pix, words = [], []
    for i in range(start, start + count):
        s = scenes.make_scene(seed, i, n)
        if len(s["objects"]) == n:
            pix.append(dl.square(s["image"], size))
            words.append([v for phrase in phrase_words(s["caption"]) for v in phrase])
    return np.stack(pix), np.array(words)


def word_batch(args):
    """Batch k of the word or pair probe: scenes drawn from the cache with a seeded generator, half
    mirrored; --keep-kind: a batch of the word probe's one-object scenes follows the pair probe's."""
    k, count, seed = args
    out = draw(CACHE["pixels"], CACHE["words"], count, np.random.default_rng([seed, k]))
    if "single_pixels" in CACHE:
        out += draw(CACHE["single_pixels"], CACHE["single_words"], count, np.random.default_rng([seed, k, 1]))
    return out


def draw(pixels, words, count, rng):
    idx = rng.integers(0, len(pixels), count)
    pix, words = pixels[idx], words[idx]
    flip = rng.random(count) < 0.5
    pix[flip] = pix[flip, :, ::-1]
    # left-right: each object keeps its kind, size and colour, but the phrases' order (left to right) turns round
    n = words.shape[1] // 3
    words[flip] = words[flip].reshape(-1, n, 3)[:, ::-1].reshape(-1, 3 * n)
    return np.stack([dl.normalise(x) for x in pix]), words


class Pretrain(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.vision_tower = dl.Llava(c).vision_tower  # the demo LLaVA's tower with its initialisation
        self.head = nn.Linear(c["vision_config"]["hidden_size"], len(LABELS))

    def scores(self, pixels):
        return lse_pool(self.head(self.vision_tower.vision_model.features(pixels, -2)[:, 1:]))  # [b, labels]

    def loss(self, pixels, y):
        return F.binary_cross_entropy_with_logits(self.scores(pixels), y)

    def words(self, pixels):
        """(colour, kind, size) of one image: the best label of each group, size from the best trigram."""
        s, k = self.scores(pixels)[0], len(COLOURS)
        return (COLOURS[int(s[:k].argmax())], KINDS[int(s[k:k + 3].argmax())],
                LABELS[k + 3 + 24 + int(s[k + 3 + 24:].argmax())].split()[0])


class WordProbe(nn.Module):
    """The tower, the mean of its patches, one linear layer to the kind, size and colour words.

    lse=True (--pool lse): the linear layer scores every patch and a word's score is the log-sum-exp
    over patches (minus log of their count), so the gradient goes to the patches that show the word
    rather than to all 144 alike.

    phrases=2 (--pairs, the pair probe): the words of a two-object caption's first phrase (the left
    object) and of its second. The mean of all patches can tell which object is on the left only if
    the patches keep which colour and kind is where."""
    def __init__(self, c, lse=False, phrases=1):
        super().__init__()
        self.vision_tower = dl.Llava(c).vision_tower
        self.head = nn.Linear(c["vision_config"]["hidden_size"], phrases * (len(KINDS) + len(SIZES) + len(COLOURS)))
        self.lse = lse

    def scores(self, pixels):
        return self.read(self.vision_tower.vision_model.features(pixels, -2)[:, 1:])

    def scores_and_position_loss(self, pixels):
        """--position-weight: the word scores, and how far one linear layer (`where`) is from reading
        each patch's own place (the sin/cos pattern the position embedding starts from) out of it."""
        patches = self.vision_tower.vision_model.features(pixels, -2)[:, 1:]
        g = int(round(patches.shape[1] ** 0.5))
        place = dl.position_pattern(g, patches.shape[2]).to(patches.device)
        return self.read(patches), F.mse_loss(self.where(patches), place.expand_as(patches))

    def scores_and_single(self, pixels, singles):
        """--keep-kind: the pair probe's scores of `pixels` and, through one more linear layer
        (`single`, the word probe's head), the (kind, size, colour) scores of the one-object `singles`."""
        patches = self.vision_tower.vision_model.features(torch.cat([pixels, singles]), -2)[:, 1:]
        pairs, one = patches.split([len(pixels), len(singles)])
        return self.read(pairs), split_words(self.single(one.mean(1)))

    def read(self, patches):
        """(kind, size, colour) scores of each phrase in turn."""
        h = lse_pool(self.head(patches)) if self.lse else self.head(patches.mean(1))
        return sum((split_words(part) for part in h.split(len(KINDS) + len(SIZES) + len(COLOURS), dim=1)), ())

    def words(self, pixels):
        """(colour, kind, size) of one image: the best word of each group."""
        kind, size, colour = (group[int(x[0].argmax())] for group, x in zip((KINDS, SIZES, COLOURS), self.scores(pixels)))
        return colour, kind, size


class SlotProbe(nn.Module):
    """--slots: what the captioner does when it names an object, in one attention read.

    For phrase k of a caption (objects left to right, up to four), one query from k alone reads
    the phrase's size and colour words, and one query from k plus those two words (the caption says
    them before the kind) reads its kind: each a single softmax attention over the patches of
    hidden_states[-2] (keys and values through one layer norm and one linear layer each). The mean
    of all patches (--probe, --pairs) lets the tower spread a shape over every patch, so in a scene of
    several objects no patch says which kind is where; an attention read that finds the red object
    by its colour can name its kind only if the red object's own patches carry it. Caption words and
    their order only: no mask or box."""
    def __init__(self, c, slots=4, local=False):
        super().__init__()
        self.local = local
        self.vision_tower = dl.Llava(c).vision_tower
        d = c["vision_config"]["hidden_size"]
        self.slot = nn.Embedding(slots, d)
        self.size = nn.Embedding(len(SIZES), d)
        self.colour = nn.Embedding(len(COLOURS), d)
        self.norm = nn.LayerNorm(d)
        self.key = nn.Linear(d, d)
        self.value = nn.Linear(d, d)
        if local:
            self.key_input = nn.Linear(d, d)
        self.words = nn.Linear(d, len(SIZES) + len(COLOURS))
        self.kind = nn.Linear(d, len(KINDS))

    def forward(self, pixels, phrases):
        """pixels [b, 3, h, w], phrases [b, slots, 3] (kind, size, colour; -1 past the caption's end)
        -> kind [b, slots, 3], size [b, slots, 2], colour [b, slots, 8] scores."""
        vm = self.vision_tower.vision_model
        x = self.norm(vm.features(pixels, -2)[:, 1:])
        slots = self.slot.weight.expand(len(pixels), -1, -1)
        said = phrases.clamp(min=0)
        described = slots + self.size(said[..., 1]) + self.colour(said[..., 2])
        values = self.value(x)
        words = torch.softmax(slots @ self.key(x).transpose(1, 2) / math.sqrt(x.shape[2]), -1) @ values
        # --slot-keys input: the kind read finds its patches by what they show before any layer has
        # mixed them, so the kind must sit in the described object's own patches
        # (hidden_states[0] is computed again: about a seventh of the tower's forward, in this option only)
        keys = self.key_input(vm.features(pixels, 0)[:, 1:]) if self.local else self.key(x)
        kind = torch.softmax(described @ keys.transpose(1, 2) / math.sqrt(x.shape[2]), -1) @ values
        size, colour = self.words(words).split((len(SIZES), len(COLOURS)), -1)
        return self.kind(kind), size, colour


def slot_scenes(args):
    """uint8 squares of scenes start..start+count-1 (one to four objects, as drawn) and, per scene,
    the (kind, size, colour) indices of each phrase of its caption, left to right, -1 past its end."""
    start, count, size, seed = args
    pix, words = [], []
    for i in range(start, start + count):
        s = scenes.make_scene(seed, i)
        said = phrase_words(s["caption"])
        pix.append(dl.square(s["image"], size))
        words.append(said + [[-1, -1, -1]] * (4 - len(said)))
    return np.stack(pix), np.array(words)


def slot_batch(args):
    """Batch k of --slots: scenes from the cache with a seeded generator, half mirrored (a mirrored
    scene's phrases turn round: its objects keep their words, their order left to right reverses)."""
    k, count, seed = args
    rng = np.random.default_rng([seed, k])
    idx = rng.integers(0, len(CACHE["pixels"]), count)
    pix, words = CACHE["pixels"][idx], CACHE["words"][idx]
    for r in np.nonzero(rng.random(count) < 0.5)[0]:
        pix[r] = pix[r, :, ::-1]
        n = int((words[r, :, 0] >= 0).sum())
        words[r, :n] = words[r, :n][::-1].copy()
    return np.stack([dl.normalise(x) for x in pix]), words


class ShapeCNN(nn.Module):
    """A training-time teacher, never bundled: four convolutions (kernel 4, stride 2, padding 1) from
    the tower's 192 px input to a 12 x 12 map whose cell i, j is centred where patch i, j is (16 i + 7.5),
    the max of each channel over cells, one linear layer to the kind, size and colour words. Trained
    like the word probe (one-object scenes, caption words only), it learns shapes in a few hundred
    steps where the tower needs thousands, and its cells see only about 46 px around themselves: its
    map says locally what the caption says globally."""
    def __init__(self, width):
        super().__init__()
        chans = [3, 32, 64, width, width]
        self.convs = nn.ModuleList(nn.Conv2d(i, o, 4, 2, 1) for i, o in zip(chans, chans[1:]))
        self.head = nn.Linear(width, len(KINDS) + len(SIZES) + len(COLOURS))

    def features(self, pixels):
        """[b, 3, 192, 192] -> [b, 144, width], cells in the tower's row-major patch order."""
        x = pixels
        for conv in self.convs:
            x = F.relu(conv(x))
        return x.flatten(2).transpose(1, 2)

    def scores(self, pixels):
        return split_words(self.head(self.features(pixels).amax(1)))

    @staticmethod
    def load(state_dict):
        """A trained teacher, its width read from its weights."""
        teacher = ShapeCNN(state_dict["head.weight"].shape[1])
        teacher.load_state_dict(state_dict)
        return teacher


class DistilledProbe(WordProbe):
    """The word probe plus a dense target: one linear layer maps every patch of hidden_states[-2] onto
    the teacher's features at that patch's cell (standardised per channel), mean squared error. The
    teacher learnt only from caption words, so the tower still sees no mask or box; what it gets is
    where in the image a shape detector fires."""
    def __init__(self, c, teacher):
        super().__init__(c)
        self.teacher = [teacher]  # a list: not a submodule, so neither trained nor saved
        width = c["vision_config"]["hidden_size"]
        self.student = nn.Linear(width, teacher.head.in_features)
        self.register_buffer("mean", torch.zeros(teacher.head.in_features))
        self.register_buffer("std", torch.ones(teacher.head.in_features))

    def target(self, pixels):
        with torch.no_grad():
            return (self.teacher[0].features(pixels) - self.mean) / self.std

    def scores_and_distill_loss(self, pixels):
        patches = self.vision_tower.vision_model.features(pixels, -2)[:, 1:]
        return self.read(patches), F.mse_loss(self.student(patches), self.target(pixels))


def evaluate(path, count=1000):
    """Held-out accuracy of the colour, kind and size a checkpoint's head reads from one-object scenes
    (a --probe checkpoint, a --keep-kind one through its word probe's head, or the multi-label one)."""
    ck = torch.load(path)
    sd = dict(ck["state_dict"])
    if "single.weight" in sd:
        sd["head.weight"], sd["head.bias"] = sd.pop("single.weight"), sd.pop("single.bias")
    probe = sd["head.weight"].shape[0] == len(KINDS) + len(SIZES) + len(COLOURS)
    model = WordProbe(ck["config"], ck.get("args", {}).get("pool") == "lse") if probe else Pretrain(ck["config"])
    # the tower and the word head (a --distill checkpoint also holds its student layer: not needed here)
    model.load_state_dict({k: v for k, v in sd.items() if k.startswith(("vision_tower.", "head."))})
    size = ck["config"]["vision_config"]["image_size"]
    right = {"colour": 0, "kind": 0, "size": 0}
    for i in range(count):
        s = scenes.make_scene(scenes.SPLIT_SEEDS["heldout"], i, 1)
        o = s["objects"][0]
        with torch.no_grad():
            words = model.words(torch.from_numpy(dl.preprocess(s["image"], size))[None])
        for group, word in zip(("colour", "kind", "size"), words):
            right[group] += word == o[group]
    print({g: v / count for g, v in right.items()}, "on %d held-out one-object scenes" % count)


def object_features(features, c, seed, first, count):
    """Per object of scenes first..first+count-1 of a split: the mean of features(pixels) [1, patches, d]
    (the tower's hidden_states[-2], or a teacher's cells) over the patches whose centre lies in the
    object's visible mask, its kind and colour index, and its scene's object count. The masks pick the
    patches; nothing here trains anything."""
    size = c["vision_config"]["image_size"]
    grid = size // c["vision_config"]["patch_size"]
    feats, kinds, colours, counts = [], [], [], []
    for i in range(first, first + count):
        s = scenes.make_scene(seed, i)
        h, w = s["image"].shape[:2]
        xs, ys = (np.floor(v).astype(int) for v in dl.patch_centres(grid, h, w))
        inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        with torch.no_grad():
            f = features(torch.from_numpy(dl.preprocess(s["image"], size))[None])[0]
        for o in s["objects"]:
            own = np.zeros(grid * grid, bool)
            own[inside] = o["mask"][ys[inside], xs[inside]]
            if own.any():
                feats.append(f[torch.from_numpy(own)].mean(0))
                kinds.append(KINDS.index(o["kind"]))
                colours.append(COLOURS.index(o["colour"]))
                counts.append(len(s["objects"]))
    return torch.stack(feats), torch.tensor(kinds), torch.tensor(colours), np.array(counts)


def evaluate_local(path, fit=1000, test=300):
    """Can the captioner read an object's kind where the object is? A linear classifier (L-BFGS,
    standardised features, small L2) fitted on the own-patch means (object_features) of `fit` train
    scenes (far past any training batch), scored on `test` held-out scenes, for kind and colour.
    Attention reads a weighted mean of (projected) patches, so this is roughly what one attention
    head can see of an object."""
    ck = torch.load(path, map_location="cpu")
    if "convs.0.weight" in ck["state_dict"]:  # a --teacher
        features = ShapeCNN.load(ck["state_dict"]).features
    else:
        model = dl.Llava(ck["config"])
        training.load_tower(model, path, ck)
        features = lambda pixels: model.vision_tower.vision_model.features(pixels, -2)[:, 1:]  # noqa: E731
    x, kinds, colours, _ = object_features(features, ck["config"], scenes.SPLIT_SEEDS["train"], 900000, fit)
    xt, kinds_t, colours_t, counts = object_features(features, ck["config"], scenes.SPLIT_SEEDS["heldout"], 0, test)
    mu, sd = x.mean(0), x.std(0) + 1e-6
    x, xt = (x - mu) / sd, (xt - mu) / sd
    out = {}
    for name, y, yt, k in (("kind", kinds, kinds_t, len(KINDS)), ("colour", colours, colours_t, len(COLOURS))):
        w = torch.zeros(x.shape[1], k, requires_grad=True)
        b = torch.zeros(k, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=300)

        def closure():
            opt.zero_grad()
            loss = F.cross_entropy(x @ w + b, y) + 1e-3 * (w ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        right = ((xt @ w + b).argmax(1) == yt).numpy()
        out[name] = {"all": round(float(right.mean()), 3), "one-object scenes": round(float(right[counts == 1].mean()), 3),
                     "several": round(float(right[counts > 1].mean()), 3)}
    print(out, "from the own patches of %d held-out objects (%d fitted)" % (len(yt), len(y)))


def train_slots(a):
    """--slots: the slot probe (SlotProbe) on --scenes scenes of the train split from index
    --scene-first (400,000) on, drawn once, all object counts; --tower-init gives its tower, --init
    the tower and the probe (to go on with a run on new scenes)."""
    if a.probe or a.pairs or a.phrases or a.keep_kind or a.teacher or a.distill or a.position_weight or a.pool != "mean":
        sys.exit("--slots: its own probe; no --probe, --pairs, --phrases, --keep-kind, --teacher, --distill, --position-weight or --pool")
    c = dl.config(a.image_size, a.patch, a.vision_hidden)
    if a.slot_keys not in ("tower", "input"):
        sys.exit("--slot-keys: tower or input")
    model = SlotProbe(c, local=a.slot_keys == "input")
    if a.tower_init:
        training.load_tower(model, a.tower_init)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.05)
    size, seed = c["vision_config"]["image_size"], scenes.SPLIT_SEEDS["train"]
    CACHE["pixels"], CACHE["words"] = drawn(slot_scenes, a.scene_first, a.scenes, a.workers, size, seed)

    def loss(b):
        pix, words = b
        kind, size_, colour = model(pix, words)
        flat = lambda x: x.reshape(-1, x.shape[-1])  # noqa: E731
        total = sum(F.cross_entropy(flat(s), words[..., j].reshape(-1), ignore_index=-1)
                    for j, s in enumerate((kind, size_, colour)))
        said = words[..., 0] >= 0
        several = said & (said.sum(1, keepdim=True) > 1)  # phrases of scenes with more than one object
        right = lambda s, j, m: ((s.argmax(-1) == words[..., j]) & m).sum().item() / max(1, m.sum().item())  # noqa: E731
        return total, (right(kind, 0, said & ~several), right(kind, 0, several), right(colour, 2, several))

    return training.run(a, model, opt, c, slot_batch, lambda k: (k, a.batch, a.seed), loss,
                        "slot probe (each phrase's size and colour, then its kind, by one attention read each), "
                        "%d px, patch %d, tower hidden %d, %d scenes, seed %d, batch %d, lr %g, steps %d"
                        % (a.image_size, a.patch, a.vision_hidden, len(CACHE["pixels"]), a.seed, a.batch, a.lr, a.steps),
                        ["one_kind", "several_kind", "several_colour"])


def main(argv):
    if argv[:1] == ["--eval"]:
        torch.set_num_threads(1)
        return evaluate(argv[1])
    if argv[:1] == ["--eval-local"]:
        torch.set_num_threads(1)
        return evaluate_local(argv[1])
    a = training.arguments(argv, steps=2000, batch=32, lr=1e-3, warmup=100, minutes=30, out="/tmp/demo-vision.pt",
                           log="weights/demo/training/vision_loss.tsv", extra=[("--curriculum", int, 0), ("--probe", bool, False), ("--scenes", int, 16000),
                                  ("--image-size", int, 192), ("--patch", int, 16), ("--tower-init", str, None), ("--pool", str, "mean"),
                                  ("--teacher", bool, False), ("--distill", str, None), ("--distill-weight", float, 1.0),
                                  ("--vision-hidden", int, 96), ("--position-weight", float, 0.0),
                                  ("--pairs", bool, False), ("--phrases", int, 0), ("--keep-kind", float, 0.0),
                                  ("--slots", bool, False), ("--scene-first", int, 400000),
                                  ("--slot-keys", str, "tower")])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    if a.slots:
        return train_slots(a)
    a.probe = a.probe or a.teacher or bool(a.distill) or a.position_weight > 0  # all train on the probe's one-object scenes
    # --phrases N: the pair probe over scenes of N objects (--pairs is --phrases 2)
    if a.pairs and a.phrases not in (0, 2):
        sys.exit("--pairs is --phrases 2")
    a.phrases = 2 if a.pairs else a.phrases
    if a.phrases == 1 or a.phrases > 4:
        sys.exit("--phrases: 2, 3 or 4 (one object is the word probe, --probe)")
    a.pairs = a.phrases > 0
    if a.pairs and (a.probe or a.pool != "mean" or (a.image_size, a.patch) != (192, 16)):
        sys.exit("--pairs: its own probe of the bundle's 192 px, patch 16 tower; no --probe, --teacher, --distill, --position-weight or --pool")
    if a.position_weight and (a.teacher or a.distill or a.pool != "mean"):
        sys.exit("--position-weight goes with the plain word probe only")
    if (a.teacher or a.distill) and (a.image_size, a.patch) != (192, 16):
        sys.exit("--teacher and --distill: ShapeCNN's 12 x 12 map matches a 192 px, patch 16 tower only")
    c = dl.config(a.image_size, a.patch, a.vision_hidden)
    if a.teacher:
        model = ShapeCNN(c["vision_config"]["hidden_size"])
    elif a.distill:
        model = DistilledProbe(c, ShapeCNN.load(torch.load(a.distill, map_location="cpu")["state_dict"]))
    elif a.pairs:
        model = WordProbe(c, phrases=a.phrases)
        if a.keep_kind:
            model.single = nn.Linear(c["vision_config"]["hidden_size"], len(KINDS) + len(SIZES) + len(COLOURS))
            model.fresh = ("single.",)
    else:
        model = WordProbe(c, a.pool == "lse") if a.probe else Pretrain(c)
        if a.position_weight:
            # the patch's place is not an object's: no mask or box, only where in the grid a patch sits
            model.where = nn.Linear(c["vision_config"]["hidden_size"], c["vision_config"]["hidden_size"])
            model.fresh = ("where.",)
    if a.keep_kind and not a.pairs:
        sys.exit("--keep-kind goes with --pairs")
    if a.tower_init:
        init = export_demo.checkpoint(a.tower_init)  # a stage 1's checkpoint or an exported LLaVA folder
        training.load_tower(model, a.tower_init, init)  # another stage 1's tower (the word probe's, say), this head fresh
        if a.keep_kind:
            # the heads its stage 1 read the tower with: the word probe's (into single) or the pair probe's
            heads = {h.weight.shape: h for h in (model.head, model.single)}
            w = init["state_dict"]
            for name in ("head", "single"):
                if name + ".weight" in w and w[name + ".weight"].shape in heads:
                    h = heads.pop(w[name + ".weight"].shape)
                    h.weight.data.copy_(w[name + ".weight"])
                    h.bias.data.copy_(w[name + ".bias"])
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), weight_decay=0.05)
    size, seed = c["vision_config"]["image_size"], scenes.SPLIT_SEEDS["train"]

    if a.probe or a.pairs:
        # --scenes N: draw N one-object scenes once (--workers processes, at least two) and sample
        # batches from them; --pairs: about N two-object scenes from train index 100,000 on (a fifth
        # of those draws have one object); --phrases 3 or 4: about N scenes of that many objects
        # (half or a fifth of the draws), from train index 200,000 or 300,000 on
        objects, first, draws = {0: (1, 0, a.scenes), 2: (2, 100000, a.scenes * 5 // 4), 3: (3, 200000, a.scenes * 2),
                                 4: (4, 300000, a.scenes * 5)}[a.phrases]
        CACHE["pixels"], CACHE["words"] = drawn(caption_scenes, first, draws, a.workers, size, seed, objects)
        if a.keep_kind:  # the word probe's one-object scenes, as --probe draws them
            CACHE["single_pixels"], CACHE["single_words"] = drawn(caption_scenes, 0, a.scenes, a.workers, size, seed, 1)

        columns = ["kind_acc", "size_acc", "colour_acc"]
        shown = range(3)  # the accuracies logged: kind, size, colour (--pairs: kind and colour of each side)
        what = "word probe (kind, size, colour), %s-pooled" % a.pool
        if a.phrases == 2:
            columns, shown = ["left_kind", "left_colour", "right_kind", "right_colour"], (0, 2, 3, 5)
            what = "pair probe (left and right object's kind, size, colour)"
        elif a.pairs:
            columns = ["phrase%d_%s" % (i + 1, w) for i in range(a.phrases) for w in ("kind", "colour")]
            shown = tuple(3 * i + j for i in range(a.phrases) for j in (0, 2))
            what = "phrase probe (the kind, size, colour of each of %d objects, left to right)" % a.phrases
        if a.keep_kind:
            columns.append("single_kind")
            what += " + word probe on %d one-object scenes (weight %g)" % (len(CACHE["single_pixels"]), a.keep_kind)
        if a.teacher:
            what = "shape CNN teacher (kind, size, colour words, max over cells)"
        if a.distill:
            # the teacher's per-channel statistics on the first 512 cached scenes make its features the target
            f = model.teacher[0].features(torch.from_numpy(np.stack([dl.normalise(x) for x in CACHE["pixels"][:512]])))
            model.mean.copy_(f.mean((0, 1)))
            model.std.copy_(f.std((0, 1)) + 1e-3)
            columns.append("distill_mse")
            what += " + distilled from the teacher %s (weight %g)" % (a.distill, a.distill_weight)
        if a.position_weight:
            columns.append("position_mse")
            what += " + each patch's place read back (weight %g)" % a.position_weight

        def probe_loss(b):
            pix, words = b[:2]
            mse = None
            if a.keep_kind:
                out, one = model.scores_and_single(pix, b[2])
            elif a.distill:
                out, mse = model.scores_and_distill_loss(pix)
            elif a.position_weight:
                out, mse = model.scores_and_position_loss(pix)
            else:
                out = model.scores(pix)
            loss = sum(F.cross_entropy(o, words[:, j]) for j, o in enumerate(out))
            acc = tuple((out[j].argmax(1) == words[:, j]).float().mean().item() for j in shown)
            if a.keep_kind:
                return (loss + a.keep_kind * sum(F.cross_entropy(o, b[3][:, j]) for j, o in enumerate(one)),
                        acc + ((one[0].argmax(1) == b[3][:, 0]).float().mean().item(),))
            if mse is None:
                return loss, acc
            return loss + (a.distill_weight if a.distill else a.position_weight) * mse, acc + (mse.item(),)

        return training.run(a, model, opt, c, word_batch, lambda k: (k, a.batch, a.seed), probe_loss,
                            "%s, %d px, patch %d, tower hidden %d, %d %s scenes, seed %d, batch %d, lr %g, steps %d"
                            % (what, a.image_size, a.patch, a.vision_hidden, len(CACHE["pixels"]),
                               {0: "one-object", 2: "two-object", 3: "three-object", 4: "four-object"}[a.phrases],
                               a.seed, a.batch, a.lr, a.steps), columns)

    def loss(b):
        pix, y = b
        s = model.scores(pix)
        # extra columns: share of right present/absent decisions for the kind words and for the
        # "{colour} {kind}" phrases, on this batch before the step
        right = ((s > 0).float() == y).float()
        kinds, pairs = slice(len(COLOURS), len(COLOURS) + len(KINDS)), slice(len(COLOURS) + len(KINDS), len(COLOURS) + len(KINDS) + 24)
        return F.binary_cross_entropy_with_logits(s, y), (right[:, kinds].mean().item(), right[:, pairs].mean().item())

    # batches of the train split after the ones the captioner will see first would be as good; the
    # same split keeps one source of scenes (pretraining on the captions of the same images, like CLIP)
    def objects(k):
        """--curriculum C: one object per scene for the first C steps (the caption's kind word then
        names the only shape in the image), all scenes after."""
        return 1 if k < a.curriculum else 4

    training.run(a, model, opt, c, batch, lambda k: (k * a.batch, a.batch, size, seed, objects(k)), loss,
                 "vision pretraining, seed %d, batch %d, lr %g, steps %d" % (a.seed, a.batch, a.lr, a.steps), ["kind_acc", "pair_acc"])


if __name__ == "__main__":
    main(sys.argv[1:])
