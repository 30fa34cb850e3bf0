"""``minimax_m3_vl``: MiniMax-M3 (1 checkpoints, issue 14).

unsupported: MiniMaxM3SparseForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for minimax_m3_vl yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minimax_m3_vl': {'name': 'MiniMax-M3',
                   'architecture': 'MiniMaxM3SparseForConditionalGeneration',
                   'hf_model_type': 'minimax_m3_vl',
                   'template': 'minimax_m3_vl',
                   'support': 'unsupported',
                   'support_note': 'MiniMaxM3SparseForConditionalGeneration is native in transformers 5.19, but '
                                   'swiftkit has no media processor for minimax_m3_vl yet (its template renders '
                                   'text only)',
                   'modalities': ['image', 'video']}}

# fmt: off
CHECKPOINTS = [
    ('minimax_m3_vl', 'minimax-m3', 'MiniMax/MiniMax-M3', 'MiniMaxAI/MiniMax-M3', None, 262144, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
