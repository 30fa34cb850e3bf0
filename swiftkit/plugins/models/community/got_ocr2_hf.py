"""``got_ocr2_hf``: GOT-OCR2 (HF port) (1 checkpoints, issue 14).

unsupported: GotOcr2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for got_ocr2_hf yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'got_ocr2_hf': {'name': 'GOT-OCR2 (HF port)',
                 'architecture': 'GotOcr2ForConditionalGeneration',
                 'hf_model_type': 'got_ocr2',
                 'template': 'got_ocr2_hf',
                 'support': 'unsupported',
                 'support_note': 'GotOcr2ForConditionalGeneration is native in transformers 5.19, but swiftkit has '
                                 'no media processor for got_ocr2_hf yet (its template renders text only)',
                 'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('got_ocr2_hf', 'got-ocr-2.0-hf', 'stepfun-ai/GOT-OCR-2.0-hf', '=', 0.58, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
