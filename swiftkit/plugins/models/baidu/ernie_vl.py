"""``ernie_vl``: ERNIE-4.5-VL (5 checkpoints, issue 14).

unsupported: Ernie4_5_VLMoeForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for ernie_vl yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'ernie_vl': {'name': 'ERNIE-4.5-VL',
              'architecture': 'Ernie4_5_VLMoeForConditionalGeneration',
              'hf_model_type': 'ernie4_5_moe_vl',
              'template': 'ernie_vl',
              'support': 'unsupported',
              'support_note': 'Ernie4_5_VLMoeForConditionalGeneration is native in transformers 5.19, but swiftkit '
                              'has no media processor for ernie_vl yet (its template renders text only)',
              'modalities': ['image'],
              'requires': ['transformers>=4.52', 'moviepy']}}

# fmt: off
CHECKPOINTS = [
    ('ernie_vl', 'ernie-4.5-vl-28b-a3b-pt', 'PaddlePaddle/ERNIE-4.5-VL-28B-A3B-PT', 'baidu/ERNIE-4.5-VL-28B-A3B-PT', 28, 131072, 'base', 'moe'),
    ('ernie_vl', 'ernie-4.5-vl-424b-a47b-pt', 'PaddlePaddle/ERNIE-4.5-VL-424B-A47B-PT', 'baidu/ERNIE-4.5-VL-424B-A47B-PT', 424.0, 131072, 'base', 'moe'),
    ('ernie_vl', 'ernie-4.5-vl-28b-a3b-base-pt', 'PaddlePaddle/ERNIE-4.5-VL-28B-A3B-Base-PT', 'baidu/ERNIE-4.5-VL-28B-A3B-Base-PT', 28.0, 131072, 'base', 'moe'),
    ('ernie_vl', 'ernie-4.5-vl-424b-a47b-base-pt', 'PaddlePaddle/ERNIE-4.5-VL-424B-A47B-Base-PT', 'baidu/ERNIE-4.5-VL-424B-A47B-Base-PT', 424.0, 131072, 'base', 'moe'),
    ('ernie_vl', 'ernie-4.5-vl-28b-a3b-thinking', 'PaddlePaddle/ERNIE-4.5-VL-28B-A3B-Thinking', 'baidu/ERNIE-4.5-VL-28B-A3B-Thinking', 28.0, 131072, 'instruct', 'moe', 'thinking', {'template': 'ernie_vl_thinking'}),
]
# fmt: on
SHAPES: dict = {}
