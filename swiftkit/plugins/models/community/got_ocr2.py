"""``got_ocr2``: GOT-OCR2 (1 checkpoints, issue 14).

remote_code: GOTQwenForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'got_ocr2': {'name': 'GOT-OCR2',
              'architecture': 'GOTQwenForCausalLM',
              'hf_model_type': 'GOT',
              'template': 'got_ocr2',
              'support': 'remote_code',
              'support_note': "GOTQwenForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                              'true); swiftkit has no media processor for it yet, so only text is encoded',
              'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('got_ocr2', 'got-ocr2_0', 'stepfun-ai/GOT-OCR2_0', '=', 0.58, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
