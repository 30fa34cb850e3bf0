"""``unlimited_ocr``: Unlimited-OCR (1 checkpoints, issue 14).

unsupported: UnlimitedOCRForCausalLM from the checkpoint's own modeling code needs transformers==4.46.3 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'unlimited_ocr': {'name': 'Unlimited-OCR',
                   'architecture': 'UnlimitedOCRForCausalLM',
                   'hf_model_type': 'unlimited_ocr',
                   'template': 'unlimited_ocr',
                   'support': 'unsupported',
                   'support_note': "UnlimitedOCRForCausalLM from the checkpoint's own modeling code needs "
                                   "transformers==4.46.3 (ms-swift's requirement); swiftkit pins transformers 5.19",
                   'modalities': ['image'],
                   'requires': ['transformers==4.46.3', 'easydict']}}

# fmt: off
CHECKPOINTS = [
    ('unlimited_ocr', 'unlimited-ocr', 'PaddlePaddle/Unlimited-OCR', '=', None, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
