"""``ovis_ocr2``: OvisOCR2 (1 checkpoints, issue 14).

unsupported: a Qwen3.5 fine-tune (as its public descriptions say; its config.json was not read): Qwen3_5ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for ovis_ocr2 yet.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'ovis_ocr2': {'name': 'OvisOCR2',
               'architecture': 'Qwen3_5ForConditionalGeneration',
               'hf_model_type': 'qwen3_5',
               'template': 'ovis_ocr2',
               'support': 'unsupported',
               'support_note': 'a Qwen3.5 fine-tune (as its public descriptions say; its config.json was not '
                               'read): Qwen3_5ForConditionalGeneration is native in transformers 5.19, but '
                               'swiftkit has no media processor for ovis_ocr2 yet',
               'modalities': ['image'],
               'requires': ['transformers>=5.0.0.dev', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('ovis_ocr2', 'ovisocr2', 'ATH-MaaS/OvisOCR2', '=', 0.8, 262144, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
