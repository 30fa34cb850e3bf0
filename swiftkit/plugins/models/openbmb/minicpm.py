"""``minicpm``: MiniCPM-2B (sft, dpo) and MiniCPM-1B, remote code. Context 4096. Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

from ._minicpm import MINICPM

FAMILIES = {
    "minicpm": {**MINICPM, "name": "MiniCPM", "template": "minicpm", "requires": ["transformers>=4.36.0"]},
}

# fmt: off
CHECKPOINTS = [
    ("minicpm", "minicpm-2b-sft-fp32", "OpenBMB/MiniCPM-2B-sft-fp32", "openbmb/MiniCPM-2B-sft-fp32", 2.72, 4096, "instruct"),
    ("minicpm", "minicpm-2b-dpo-fp32", "OpenBMB/MiniCPM-2B-dpo-fp32", "openbmb/MiniCPM-2B-dpo-fp32", 2.72, 4096, "instruct"),
    ("minicpm", "minicpm-1b-sft-bf16", "OpenBMB/MiniCPM-1B-sft-bf16", "openbmb/MiniCPM-1B-sft-bf16", 1.2, 4096, "instruct"),
]
# MiniCPM-2B's public config.json: multi-head attention, vocabulary 122753, tied embeddings
_2B = model_shape(2304, 40, 36, 36, 5760, 122753, tied=True)
# fmt: on
SHAPES = {"minicpm-2b-sft-fp32": _2B, "minicpm-2b-dpo-fp32": _2B}
