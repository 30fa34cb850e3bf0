"""``hunyuan_ocr``: HunyuanOCR (1 checkpoints, issue 14).

unsupported: HunYuanVLForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for hunyuan_ocr yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'hunyuan_ocr': {'name': 'HunyuanOCR',
                 'architecture': 'HunYuanVLForConditionalGeneration',
                 'hf_model_type': 'hunyuan_vl',
                 'template': 'hunyuan_ocr',
                 'support': 'unsupported',
                 'support_note': 'HunYuanVLForConditionalGeneration is native in transformers 5.19, but swiftkit '
                                 'has no media processor for hunyuan_ocr yet (its template renders text only)',
                 'modalities': ['image'],
                 'requires': ['transformers>=4.49.0']}}

# fmt: off
CHECKPOINTS = [
    ('hunyuan_ocr', 'hunyuanocr', 'Tencent-Hunyuan/HunyuanOCR', 'tencent/HunyuanOCR', 1, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
