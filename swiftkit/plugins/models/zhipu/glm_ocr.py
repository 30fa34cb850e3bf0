"""``glm_ocr``: GLM-OCR (1 checkpoints, issue 14).

unsupported: GlmOcrForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for glm_ocr yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'glm_ocr': {'name': 'GLM-OCR',
             'architecture': 'GlmOcrForConditionalGeneration',
             'hf_model_type': 'glm_ocr',
             'template': 'glm_ocr',
             'support': 'unsupported',
             'support_note': 'GlmOcrForConditionalGeneration is native in transformers 5.19, but swiftkit has no '
                             'media processor for glm_ocr yet (its template renders text only)',
             'modalities': ['image'],
             'requires': ['transformers>=5.0.1dev0']}}

# fmt: off
CHECKPOINTS = [
    ('glm_ocr', 'glm-ocr', 'ZhipuAI/GLM-OCR', 'zai-org/GLM-OCR', 0.9, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
