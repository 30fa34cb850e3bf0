"""``minicpm_chatml``: the MiniCPM checkpoints that chat in ChatML (MiniCPM-2B-128k, MiniCPM4
0.5B and 8B), remote code. Parameters from the names (2B-128k: MiniCPM-2B's 2.72B); context as
the cards state. Data only."""

from __future__ import annotations

from ._minicpm import MINICPM

FAMILIES = {
    "minicpm_chatml": {**MINICPM, "name": "MiniCPM (ChatML)", "template": "chatml", "requires": ["transformers>=4.36"]},
}

# fmt: off
CHECKPOINTS = [
    ("minicpm_chatml", "minicpm-2b-128k", "OpenBMB/MiniCPM-2B-128k", "openbmb/MiniCPM-2B-128k", 2.72, 131072, "instruct", "long-context"),
    ("minicpm_chatml", "minicpm4-0.5b", "OpenBMB/MiniCPM4-0.5B", "openbmb/MiniCPM4-0.5B", 0.5, 32768, "instruct"),
    ("minicpm_chatml", "minicpm4-8b", "OpenBMB/MiniCPM4-8B", "openbmb/MiniCPM4-8B", 8.0, 32768, "instruct"),
]
# fmt: on
SHAPES: dict = {}
