"""``qwen2_gme``: GME-Qwen2-VL (2 checkpoints, issue 14).

unsupported: Qwen2VLForConditionalGeneration is native in transformers 5.19, but GME is a multimodal embedding model and swiftkit's embedding task encodes text only.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen2_gme': {'name': 'GME-Qwen2-VL',
               'architecture': 'Qwen2VLForConditionalGeneration',
               'hf_model_type': 'qwen2_vl',
               'template': 'qwen2_gme',
               'support': 'unsupported',
               'support_note': 'Qwen2VLForConditionalGeneration is native in transformers 5.19, but GME is a '
                               "multimodal embedding model and swiftkit's embedding task encodes text only",
               'modalities': ['image'],
               'task': 'embedding'}}

# fmt: off
CHECKPOINTS = [
    ('qwen2_gme', 'gme-qwen2-vl-2b-instruct', 'iic/gme-Qwen2-VL-2B-Instruct', 'Alibaba-NLP/gme-Qwen2-VL-2B-Instruct', 2.0, 32768, 'embedding'),
    ('qwen2_gme', 'gme-qwen2-vl-7b-instruct', 'iic/gme-Qwen2-VL-7B-Instruct', 'Alibaba-NLP/gme-Qwen2-VL-7B-Instruct', 7.0, 32768, 'embedding'),
]
# fmt: on
SHAPES: dict = {}
