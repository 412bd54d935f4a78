#!/usr/bin/env python3
"""Tiny real torch.save files for TorchBinFileTest (src/test/resources/torch-bin/).

Run with Debian's PyTorch (python3-torch, 1.13 here), from the repository root:
    nice -n 19 /usr/bin/python3 tools/make_torch_fixtures.py
The values are simple formulas the Java test recomputes on its own (all exact in F16/BF16).
Output is deterministic (torch.save writes no timestamps).
"""
import collections
import json
import os

import torch

OUT = "src/test/resources/torch-bin"


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)

    # A module's state_dict: an OrderedDict carrying _metadata (set by BUILD in the pickle).
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1)   # w[i] = 0.5 i - 1
        lin.bias.copy_(torch.tensor([10.0, -20.0]))
    sd = lin.state_dict()
    # Several dtypes; two F16 views of one storage at offsets 2 and 6; a scalar.
    shared = torch.arange(10, dtype=torch.float16) * 0.25                               # s[i] = i / 4
    sd["half.a"] = shared[2:6]
    sd["half.b"] = shared[6:].view(2, 2)
    sd["bf16"] = torch.tensor([1.5, -2.25, 1024.0], dtype=torch.bfloat16)
    sd["ids"] = torch.tensor([[1, -2], [3, 1 << 40]], dtype=torch.int64)
    sd["scalar"] = torch.tensor(7.0)
    sd["flag"] = torch.tensor([True, False, True])
    torch.save(sd, f"{OUT}/state_dict.bin")

    # nn.Parameter values go through torch._utils._rebuild_parameter; a plain dict, not an OrderedDict.
    torch.save({"p": torch.nn.Parameter(torch.full((2, 2), 3.0))}, f"{OUT}/parameters.bin")

    # A transposed view: not contiguous, the reader must refuse it.
    torch.save({"t": torch.arange(6, dtype=torch.float32).reshape(2, 3).t()}, f"{OUT}/transposed.bin")

    # Not a state dict: a value that is no tensor.
    torch.save({"epoch": 3, "w": torch.zeros(2)}, f"{OUT}/not_a_state_dict.bin")

    # Two shards and a Hugging Face index, the layout of lmsys/vicuna-7b-v1.5.
    shard_dir = f"{OUT}/sharded"
    os.makedirs(shard_dir, exist_ok=True)
    shards = {
        "pytorch_model-00001-of-00002.bin": collections.OrderedDict(
            [("model.embed_tokens.weight", torch.arange(8, dtype=torch.float16).view(4, 2))]),
        "pytorch_model-00002-of-00002.bin": collections.OrderedDict(
            [("lm_head.weight", -torch.arange(8, dtype=torch.float16).view(4, 2)),
             ("model.norm.weight", torch.ones(2, dtype=torch.float16))]),
    }
    weight_map = {}
    for name, shard in shards.items():
        torch.save(shard, f"{shard_dir}/{name}")
        weight_map.update({k: name for k in shard})
    total = sum(t.numel() * t.element_size() for s in shards.values() for t in s.values())
    with open(f"{shard_dir}/pytorch_model.bin.index.json", "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")
    print("torch", torch.__version__, "->", OUT)


if __name__ == "__main__":
    main()
