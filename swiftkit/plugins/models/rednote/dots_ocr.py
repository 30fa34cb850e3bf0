"""``dots_ocr``: dots.ocr (1 checkpoints, issue 14).

remote_code: DotsOCRForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'dots_ocr': {'name': 'dots.ocr',
              'architecture': 'DotsOCRForCausalLM',
              'hf_model_type': 'dots_ocr',
              'template': 'dots_ocr',
              'support': 'remote_code',
              'support_note': "DotsOCRForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                              'true); swiftkit has no media processor for it yet, so only text is encoded',
              'modalities': ['image'],
              'requires': ['transformers>=4.51.0']}}

# fmt: off
CHECKPOINTS = [
    ('dots_ocr', 'dots.ocr', 'rednote-hilab/dots.ocr', '=', 3, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
