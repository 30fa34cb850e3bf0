"""``step3_vl``: Step3-VL (2 checkpoints, issue 14).

remote_code: StepVLForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'step3_vl': {'name': 'Step3-VL',
              'architecture': 'StepVLForConditionalGeneration',
              'hf_model_type': 'step_vl',
              'template': 'step3_vl',
              'support': 'remote_code',
              'support_note': "StepVLForConditionalGeneration from the checkpoint's own modeling code "
                              '(--trust_remote_code true); swiftkit has no media processor for it yet, so only '
                              'text is encoded',
              'modalities': ['image'],
              'requires': ['transformers>=4.57.0']}}

# fmt: off
CHECKPOINTS = [
    ('step3_vl', 'step3-vl-10b-base', 'stepfun-ai/Step3-VL-10B-Base', '=', 10.0, 65536, 'base'),
    ('step3_vl', 'step3-vl-10b', 'stepfun-ai/Step3-VL-10B', '=', 10.0, 65536, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
