"""``minimax_vl``: MiniMax-VL-01 (1 checkpoints, issue 14).

remote_code: MiniMaxVL01ForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minimax_vl': {'name': 'MiniMax-VL-01',
                'architecture': 'MiniMaxVL01ForConditionalGeneration',
                'hf_model_type': 'minimax_vl_01',
                'template': 'minimax_vl',
                'support': 'remote_code',
                'support_note': "MiniMaxVL01ForConditionalGeneration from the checkpoint's own modeling code "
                                '(--trust_remote_code true); swiftkit has no media processor for it yet, so only '
                                'text is encoded',
                'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('minimax_vl', 'minimax-vl-01', 'MiniMax/MiniMax-VL-01', 'MiniMaxAI/MiniMax-VL-01', 456, 1000000, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
