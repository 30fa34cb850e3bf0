"""``qwen3_vl_emb``: Qwen3-VL-Embedding (2 checkpoints, issue 14).

unsupported: Qwen3VLForConditionalGeneration is native in transformers 5.19, but swiftkit's embedding task encodes text only: multimodal embedding training is not implemented.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_vl_emb': {'name': 'Qwen3-VL-Embedding',
                  'architecture': 'Qwen3VLForConditionalGeneration',
                  'hf_model_type': 'qwen3_vl',
                  'template': 'qwen3_vl_emb',
                  'support': 'unsupported',
                  'support_note': "Qwen3VLForConditionalGeneration is native in transformers 5.19, but swiftkit's "
                                  'embedding task encodes text only: multimodal embedding training is not '
                                  'implemented',
                  'modalities': ['image', 'video'],
                  'task': 'embedding',
                  'requires': ['transformers>=4.57', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_vl_emb', 'qwen3-vl-embedding-2b', 'Qwen/Qwen3-VL-Embedding-2B', '=', 2.0, 262144, 'embedding'),
    ('qwen3_vl_emb', 'qwen3-vl-embedding-8b', 'Qwen/Qwen3-VL-Embedding-8B', '=', 8.0, 262144, 'embedding'),
]
# fmt: on
SHAPES: dict = {}
