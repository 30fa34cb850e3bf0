"""``paddleocr_vl``: PaddleOCR-VL 1.5 (2 checkpoints, issue 14).

unsupported: PaddleOCRVLForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for paddleocr_vl yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'paddleocr_vl': {'name': 'PaddleOCR-VL 1.5',
                  'architecture': 'PaddleOCRVLForConditionalGeneration',
                  'hf_model_type': 'paddleocr_vl',
                  'template': 'paddle_ocr_1_5',
                  'support': 'unsupported',
                  'support_note': 'PaddleOCRVLForConditionalGeneration is native in transformers 5.19, but '
                                  'swiftkit has no media processor for paddleocr_vl yet (its template renders text '
                                  'only)',
                  'modalities': ['image'],
                  'requires': ['transformers>=5.0']}}

# fmt: off
CHECKPOINTS = [
    ('paddleocr_vl', 'paddleocr-vl-1.5', 'PaddlePaddle/PaddleOCR-VL-1.5', '=', 0.9, 131072, 'instruct'),
    ('paddleocr_vl', 'paddleocr-vl-1.6', 'PaddlePaddle/PaddleOCR-VL-1.6', '=', 0.9, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
