"""``deepseek_ocr``: DeepSeek-OCR (1 checkpoints, issue 14).

unsupported: DeepseekOCRForCausalLM from the checkpoint's own modeling code needs transformers==4.46.3 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'deepseek_ocr': {'name': 'DeepSeek-OCR',
                  'architecture': 'DeepseekOCRForCausalLM',
                  'hf_model_type': 'deepseek_vl_v2',
                  'template': 'deepseek_ocr',
                  'support': 'unsupported',
                  'support_note': "DeepseekOCRForCausalLM from the checkpoint's own modeling code needs "
                                  "transformers==4.46.3 (ms-swift's requirement); swiftkit pins transformers 5.19",
                  'modalities': ['image'],
                  'requires': ['transformers==4.46.3', 'easydict']}}

# fmt: off
CHECKPOINTS = [
    ('deepseek_ocr', 'deepseek-ocr', 'deepseek-ai/DeepSeek-OCR', '=', 3, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
