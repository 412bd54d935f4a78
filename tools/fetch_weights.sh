#!/usr/bin/env bash
# Downloads the real checkpoints jground reads into weights/<name>/ (needs network access to
# the Hugging Face Hub; a gated or private repo needs HF_TOKEN). Each file is downloaded to
# a .part file and renamed when complete, so an interrupted run leaves no partial weights;
# a rerun resumes.
#
#   tools/fetch_weights.sh llava-1.5-7b-hf sam-vit-base      # what you name
#   tools/fetch_weights.sh all                                 # everything below (~35 GB)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hub="${HF_ENDPOINT:-https://huggingface.co}"

# name | repo | files (folder/ prefixes kept)
catalogue() {
cat <<'LIST'
llava-1.5-7b-hf|llava-hf/llava-1.5-7b-hf|config.json generation_config.json preprocessor_config.json processor_config.json chat_template.json tokenizer.json tokenizer_config.json special_tokens_map.json added_tokens.json model.safetensors.index.json model-00001-of-00003.safetensors model-00002-of-00003.safetensors model-00003-of-00003.safetensors
sam-vit-base|facebook/sam-vit-base|config.json preprocessor_config.json model.safetensors
sam-vit-large|facebook/sam-vit-large|config.json preprocessor_config.json model.safetensors
sam-vit-huge|facebook/sam-vit-huge|config.json preprocessor_config.json model.safetensors
stable-diffusion-v1-5|stable-diffusion-v1-5/stable-diffusion-v1-5|scheduler/scheduler_config.json unet/config.json unet/diffusion_pytorch_model.fp16.safetensors vae/config.json vae/diffusion_pytorch_model.fp16.safetensors
clip-vit-large-patch14-336|openai/clip-vit-large-patch14-336|config.json preprocessor_config.json pytorch_model.bin
vicuna-7b-v1.5|lmsys/vicuna-7b-v1.5|config.json generation_config.json tokenizer.model tokenizer_config.json special_tokens_map.json pytorch_model.bin.index.json pytorch_model-00001-of-00002.bin pytorch_model-00002-of-00002.bin
difflmm-llava-v1.5-7b-lora|Shengcao1006/difflmm-llava-v1.5-7b-lora|config.json adapter_config.json adapter_model.bin non_lora_trainables.bin
LIST
}

usage() {
  echo "usage: tools/fetch_weights.sh <name>... | all" >&2
  echo "names: $(catalogue | cut -d'|' -f1 | tr '\n' ' ')" >&2
  exit 2
}
[[ $# -gt 0 ]] || usage
command -v curl >/dev/null || { echo "fetch_weights: curl is needed" >&2; exit 2; }

names=("$@")
[[ "$1" == all ]] && mapfile -t names < <(catalogue | cut -d'|' -f1)

for name in "${names[@]}"; do
  line="$(catalogue | grep "^$name|" || true)"
  [[ -n "$line" ]] || { echo "fetch_weights: unknown checkpoint '$name'" >&2; usage; }
  repo="$(cut -d'|' -f2 <<<"$line")"
  for file in $(cut -d'|' -f3 <<<"$line"); do
    dest="$here/weights/$name/$file"
    [[ -f "$dest" ]] && { echo "have  $name/$file"; continue; }
    mkdir -p "$(dirname "$dest")"
    echo "fetch $repo/$file"
    auth=()
    [[ -n "${HF_TOKEN:-}" ]] && auth=(-H "Authorization: Bearer $HF_TOKEN")
    # Some repos ship .bin or .safetensors, not both; a 404 on an optional file is reported, not fatal.
    if curl -fL --retry 3 -C - "${auth[@]}" -o "$dest.part" "$hub/$repo/resolve/main/$file"; then
      mv "$dest.part" "$dest"
    else
      echo "fetch_weights: could not download $repo/$file (kept $dest.part to resume)" >&2
    fi
  done
done
