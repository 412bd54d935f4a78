#!/usr/bin/python3
"""Exports the trained demo models to weights/demo/ and writes the Java-equivalence reference.

  export_demo.py --llava CKPT --sam CKPT [--out weights/demo] [--reference FILE]

weights/demo/llava/{config.json, model.safetensors (F16), tokenizer.json, preprocessor_config.json},
weights/demo/sam/{config.json, model.safetensors (F16), preprocessor_config.json},
weights/demo/scene.png (scene --demo-index of the demo split, seed 3) and weights/demo/scene.json, its
objects as a COCO instance file (tools/scenes.py's format: reference caption, caption order, masks),
which GroundTest holds the README's main command to. The reference (src/test/resources/demo/reference.safetensors)
is computed by the PyTorch models with the exported F16 weights (rounded, computed in F32) on
held-out scenes (seed 2) whose greedy choices are not near-ties; see DemoModelTest.
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_llava as dl  # noqa: E402
import demo_sam as ds  # noqa: E402
import scenes  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZER = os.path.join(ROOT, "src/test/resources/fixtures/llama2-tokenizer/tokenizer.json")
DTYPES = {np.float16: "F16", np.float32: "F32", np.int64: "I64", np.uint8: "U8", np.int32: "I32"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (little-endian), written in the given order, 8-byte aligned header."""
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[a.dtype.type], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """name -> numpy array, the inverse of write_safetensors for the dtypes it writes."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kinds = {v: k for k, v in DTYPES.items()}
    return {name: np.frombuffer(data[t["data_offsets"][0]:t["data_offsets"][1]], np.dtype(kinds[t["dtype"]]).newbyteorder("<"))
            .reshape(t["shape"]) for name, t in header.items() if name != "__metadata__"}


def checkpoint(ckpt):
    """{config, step, state_dict} of a training checkpoint or of an exported folder (config.json +
    model.safetensors, its F16 weights as F32)."""
    if not os.path.isdir(ckpt):
        return torch.load(ckpt, map_location="cpu")
    with open(os.path.join(ckpt, "config.json")) as f:
        c = json.load(f)
    sd = {k: torch.from_numpy(v.astype(np.float32) if v.dtype == np.float16 else v.copy())
          for k, v in read_safetensors(os.path.join(ckpt, "model.safetensors")).items()}
    return {"config": c, "step": "exported", "state_dict": sd}


def load(ckpt, cls):
    """The model with its weights rounded to F16 and back: what Java computes with. ckpt is a
    training checkpoint or an exported folder: --sam weights/demo/sam re-exports a new LLaVA beside
    the bundled SAM."""
    d = checkpoint(ckpt)
    m = cls(d["config"])
    m.load_state_dict(d["state_dict"])
    with torch.no_grad():
        for t in m.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.half().float())
    return m.eval(), d


def export(model, out, preprocessor):
    """model.safetensors (F16), config.json and preprocessor_config.json into out."""
    os.makedirs(out, exist_ok=True)
    sd = {k: v.half().numpy() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out, "model.safetensors"), sd, {"format": "pt"})
    for name, content in (("config.json", model.c), ("preprocessor_config.json", preprocessor)):
        with open(os.path.join(out, name), "w") as f:
            json.dump(content, f, indent=2)


def sam_preprocessor_config(c):
    size = c["vision_config"]["image_size"]
    return {"do_normalize": True, "do_pad": True, "do_rescale": True, "do_resize": True, "rescale_factor": 1 / 255,
            "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
            "image_processor_type": "SamImageProcessor", "pad_size": {"height": size, "width": size},
            "resample": 2, "size": {"longest_edge": size}}


def caption_of(model, image, max_new=40):
    pix = torch.from_numpy(dl.preprocess(image, model.c["vision_config"]["image_size"]))[None]
    return model.generate(pix, max_new)


def sam_predict(model, image, point):
    """Multimask low-res logits [3, 4g, 4g] and IoU [3] for one foreground point in original pixels."""
    size = model.c["vision_config"]["image_size"]
    x, _ = ds.preprocess(image, size)
    h, w = image.shape[:2]
    p = torch.tensor([ds.point_to_model(point, h, w, size)])
    with torch.no_grad():
        low, iou = model.decode(model.vision_encoder(torch.from_numpy(x)[None]), p)
    return low[0, 1:], iou[0, 1:]


def reference(llava, sam, path, count=3, margin=0.05):
    """Held-out scenes whose greedy steps all win by a margin (so F32 summation order cannot flip them)."""
    tensors, picked, i = {}, 0, 0
    used = torch.tensor(dl.used_ids())
    while picked < count:
        s = scenes.make_scene(scenes.SPLIT_SEEDS["heldout"], i)
        i += 1
        ids, rows, _ = caption_of(llava, s["image"])
        top2 = torch.topk(rows, 2, dim=1).values
        if float((top2[:, 0] - top2[:, 1]).min()) < margin:
            continue
        k = "scene_%d." % picked
        tensors[k + "index"] = np.array([i - 1], np.int64)
        tensors[k + "image"] = s["image"]
        tensors[k + "generated_ids"] = np.array(ids, np.int64)
        tensors[k + "logits_step0"] = rows[0].numpy().astype(np.float32)
        tensors[k + "logits_used"] = rows[:, used].numpy().astype(np.float32)
        obj = s["objects"][0]["mask"]
        ys, xs = np.nonzero(obj)
        j = len(xs) // 2
        point = (int(xs[j]), int(ys[j]))
        low, iou = sam_predict(sam, s["image"], point)
        tensors[k + "sam_point"] = np.array(point, np.int64)
        tensors[k + "sam_low_res_masks"] = low.numpy().astype(np.float32)
        tensors[k + "sam_iou"] = iou.numpy().astype(np.float32)
        picked += 1
    tensors["used_ids"] = used.numpy().astype(np.int64)
    tensors["prompt_ids"] = np.array(dl.PROMPT_BEFORE + [32000] + dl.PROMPT_AFTER, np.int64)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_safetensors(path, tensors, {"source": "tools/export_demo.py: PyTorch forward of weights/demo (F16 weights, F32 compute)"})


def find_demo(llava, count, margin):
    """Demo-split scenes of two or more objects whose greedy caption names every object, by size,
    colour and kind, in the reference's order, each step leading by `margin`. Prints them: the demo
    scene is picked from these (its masks checked by running jground ground on it), because the
    README's command should show a right answer; how rare one is belongs beside it in the README."""
    found = 0
    for i in range(count):
        s = scenes.make_scene(scenes.SPLIT_SEEDS["demo"], i)
        if len(s["objects"]) < 2:
            continue
        ids, rows, _ = caption_of(llava, s["image"])
        top2 = torch.topk(rows, 2, dim=1).values
        lead = float((top2[:, 0] - top2[:, 1]).min())
        if lead >= margin and scenes.phrases(dl.decode_text(ids)) == [(o["size"], o["colour"], o["kind"]) for o in s["objects"]]:
            found += 1
            print("demo scene %d (%d objects, least lead %.3f): %s" % (i, len(s["objects"]), lead, s["caption"]))
    print("%d of the first %d demo scenes have two or more objects, all named in order" % (found, count))


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--llava", required=True)
    p.add_argument("--sam", required=True)
    p.add_argument("--out", default=os.path.join(ROOT, "weights/demo"))
    p.add_argument("--margin", type=float, default=0.05, help="least lead of each greedy choice in a reference scene")
    p.add_argument("--reference", default=os.path.join(ROOT, "src/test/resources/demo/reference.safetensors"))
    p.add_argument("--demo-index", type=int, default=558, help="the demo split's scene that becomes scene.png")
    p.add_argument("--find-demo", type=int, metavar="N", help="only list candidates for --demo-index among the first N")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    llava, dla = load(a.llava, dl.Llava)
    if a.find_demo:
        find_demo(llava, a.find_demo, 0.04)
        return
    sam, dsa = load(a.sam, ds.Sam)
    print("llava step", dla["step"], "sam step", dsa["step"])
    export(llava, os.path.join(a.out, "llava"), dl.preprocessor_config(llava.c))
    shutil.copyfile(TOKENIZER, os.path.join(a.out, "llava", "tokenizer.json"))
    export(sam, os.path.join(a.out, "sam"), sam_preprocessor_config(sam.c))
    demo = scenes.make_scene(scenes.SPLIT_SEEDS["demo"], a.demo_index)
    Image.fromarray(demo["image"]).save(os.path.join(a.out, "scene.png"))
    with open(os.path.join(a.out, "scene.json"), "w") as f:
        json.dump(scenes.coco_instances([("scene.png", demo)], "jground synthetic shapes, demo split (seed 3), scene %d"
                                        % a.demo_index), f)
    print("scene.png: demo scene %d, reference caption: %s; the model's: %s"
          % (a.demo_index, demo["caption"], dl.decode_text(caption_of(llava, demo["image"])[0])))
    reference(llava, sam, a.reference, margin=a.margin)


if __name__ == "__main__":
    main(sys.argv[1:])
