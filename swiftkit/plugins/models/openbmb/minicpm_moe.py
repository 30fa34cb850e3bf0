"""``minicpm_moe``: MiniCPM-MoE-8x2B (8 experts, 2 per token; 13.6B total, 4B active), remote
code. Context 4096. Data only."""

from __future__ import annotations

from ._minicpm import MINICPM

FAMILIES = {
    "minicpm_moe": {**MINICPM, "name": "MiniCPM-MoE", "template": "minicpm", "requires": ["transformers>=4.36"]},
}

# fmt: off
CHECKPOINTS = [
    ("minicpm_moe", "minicpm-moe-8x2b", "OpenBMB/MiniCPM-MoE-8x2B", "openbmb/MiniCPM-MoE-8x2B", 13.6, 4096, "instruct", "moe"),
]
# fmt: on
SHAPES: dict = {}
