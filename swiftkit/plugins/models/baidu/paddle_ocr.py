"""``paddle_ocr``: PaddleOCR-VL (1 checkpoints, issue 14).

unsupported: PaddleOCRVLForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for paddle_ocr yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'paddle_ocr': {'name': 'PaddleOCR-VL',
                'architecture': 'PaddleOCRVLForConditionalGeneration',
                'hf_model_type': 'paddleocr_vl',
                'template': 'paddle_ocr',
                'support': 'unsupported',
                'support_note': 'PaddleOCRVLForConditionalGeneration is native in transformers 5.19, but swiftkit '
                                'has no media processor for paddle_ocr yet (its template renders text only)',
                'modalities': ['image'],
                'requires': ['transformers<5.0']}}

# fmt: off
CHECKPOINTS = [
    ('paddle_ocr', 'paddleocr-vl', 'PaddlePaddle/PaddleOCR-VL', '=', 0.9, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
