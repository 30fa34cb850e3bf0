"""``kimi_vl``: Kimi-VL (3 checkpoints, issue 14).

unsupported: KimiVLForConditionalGeneration from the checkpoint's own modeling code needs transformers<4.49 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'kimi_vl': {'name': 'Kimi-VL',
             'architecture': 'KimiVLForConditionalGeneration',
             'hf_model_type': 'kimi_vl',
             'template': 'kimi_vl',
             'support': 'unsupported',
             'support_note': "KimiVLForConditionalGeneration from the checkpoint's own modeling code needs "
                             "transformers<4.49 (ms-swift's requirement); swiftkit pins transformers 5.19",
             'modalities': ['image'],
             'requires': ['transformers<4.49']}}

# fmt: off
CHECKPOINTS = [
    ('kimi_vl', 'kimi-vl-a3b-instruct', 'moonshotai/Kimi-VL-A3B-Instruct', '=', 16, 131072, 'instruct', 'moe'),
    ('kimi_vl', 'kimi-vl-a3b-thinking', 'moonshotai/Kimi-VL-A3B-Thinking', '=', 16, 131072, 'instruct', 'moe', 'thinking'),
    ('kimi_vl', 'kimi-vl-a3b-thinking-2506', 'moonshotai/Kimi-VL-A3B-Thinking-2506', '=', 16, 131072, 'instruct', 'moe', 'thinking'),
]
# fmt: on
SHAPES: dict = {}
