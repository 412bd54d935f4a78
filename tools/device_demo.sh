#!/bin/bash
# The demo LLaVA's two stages for one lease of a GPU machine (the `device` tool's `run`, at most
# 10 minutes a command): more steps than this 2-core machine gives them in two hours.
#
#   1. The vision tower learns the caption's kind, size and colour words on one-object scenes
#      (tools/pretrain_demo_vision.py --probe), STAGE1_MINUTES of wall time.
#   2. The slot probe (--slots) from that tower: each caption phrase's words read by one attention
#      over the patches, on scenes of one to four objects, SLOT_MINUTES (the bundle's stage that
#      made kinds readable where the objects are; weights/demo/README.md, "Measured 2026-12-08").
#   3. The captioner (tools/train_demo_llava.py) on that tower, frozen, the bundle's recipe at batch 32,
#      TRAIN_MINUTES, with PATCH (16: the bundle's 12x12 grid; 8: the real model's 24x24).
# Each runs its cosine over wall time (--timed) with the scenes drawn by nproc-2 processes.
#
# Run from the repository root there, e.g. with the device tool:
#   run(command="PATCH=16 tools/device_demo.sh", timeout_s=600)
# Back here: $OUT/llava.pt (F16 weights, under the 16 MB a returned file may have) and the loss
# curves; then tools/export_demo.py --llava <files_at>/llava.pt --sam weights/demo/sam and the
# measures of weights/demo/README.md. Kernels on a GPU are not bit-reproducible: such a run is
# repeatable only statistically.
set -euo pipefail
out=${OUT:-/tmp/device-demo}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
workers=${WORKERS:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}
stage1=${STAGE1_MINUTES:-2}
slots=${SLOT_MINUTES:-2.5}
train=${TRAIN_MINUTES:-3}
patch=${PATCH:-16}
device=${DEVICE:-cuda}  # DEVICE=cpu PYTHON=/usr/bin/python3 tries the script here
py=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
"$py" -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__, "cuda", torch.cuda.is_available())'

"$py" tools/pretrain_demo_vision.py --probe --scenes "${SCENES:-64000}" --patch "$patch" --device "$device" --workers "$workers" \
  --batch 128 --lr 1e-3 --warmup 100 --steps 1000000 --timed --max-minutes "$stage1" --save-every 1000000 \
  --out /tmp/vision.pt --log "$out/vision_loss.tsv"
tail -n 3 "$out/vision_loss.tsv"

"$py" tools/pretrain_demo_vision.py --slots --tower-init /tmp/vision.pt --scenes "${SLOT_SCENES:-50000}" --patch "$patch" \
  --device "$device" --workers "$workers" --batch 128 --lr 1e-3 --warmup 100 --steps 1000000 --timed --max-minutes "$slots" \
  --save-every 1000000 --out /tmp/slots.pt --log "$out/slots_loss.tsv"
tail -n 3 "$out/slots_loss.tsv"

"$py" tools/train_demo_llava.py --vision-init /tmp/slots.pt --freeze-tower --device "$device" --workers "$workers" --patch "$patch" \
  --seed 0 --batch 32 --lr 2e-3 --warmup 100 --curriculum 300 --vision-lr-scale 0.25 --vision-decay 0.05 \
  --steps 1000000 --timed --max-minutes "$train" --save-every 500 --out /tmp/llava.pt --log "$out/llava_loss.tsv"
tail -n 3 "$out/llava_loss.tsv"
# F32 weights are over 16 MB (the tied 32064 x 128 embedding alone is 16.4 MB): bring back F16,
# what the export writes anyway
"$py" -c '
import sys, torch
d = torch.load("/tmp/llava.pt", map_location="cpu")
d["state_dict"] = {k: v.half() if v.is_floating_point() else v for k, v in d["state_dict"].items()}
torch.save(d, sys.argv[1])' "$out/llava.pt"
ls -la "$out"
