"""``qwen3_5_emb``: Qwen3.5-Embedding (1 checkpoints, issue 14).

unsupported: Qwen3_5ForConditionalGeneration is native in transformers 5.19, but swiftkit's embedding task encodes text only: multimodal embedding training is not implemented.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_5_emb': {'name': 'Qwen3.5-Embedding',
                 'architecture': 'Qwen3_5ForConditionalGeneration',
                 'hf_model_type': 'qwen3_5',
                 'template': 'qwen3_5_emb',
                 'support': 'unsupported',
                 'support_note': "Qwen3_5ForConditionalGeneration is native in transformers 5.19, but swiftkit's "
                                 'embedding task encodes text only: multimodal embedding training is not '
                                 'implemented',
                 'modalities': ['image', 'video'],
                 'task': 'embedding',
                 'requires': ['transformers>=5.0.0.dev', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_5_emb', 'uembed-2b', 'iic/UEmbed-2B', None, 2.0, 262144, 'embedding'),
]
# fmt: on
SHAPES: dict = {}
