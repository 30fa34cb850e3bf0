"""``interns1``: Intern-S1 (4 checkpoints, issue 14).

unsupported: InternS1ForConditionalGeneration from the checkpoint's own modeling code needs transformers>=4.55.2,<4.56 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'interns1': {'name': 'Intern-S1',
              'architecture': 'InternS1ForConditionalGeneration',
              'hf_model_type': 'interns1',
              'template': 'interns1',
              'support': 'unsupported',
              'support_note': "InternS1ForConditionalGeneration from the checkpoint's own modeling code needs "
                              "transformers>=4.55.2,<4.56 (ms-swift's requirement); swiftkit pins transformers "
                              '5.19',
              'modalities': ['image', 'video'],
              'requires': ['transformers>=4.55.2,<4.56']}}

# fmt: off
CHECKPOINTS = [
    ('interns1', 'intern-s1-mini', 'Shanghai_AI_Laboratory/Intern-S1-mini', 'internlm/Intern-S1-mini', 8, 40960, 'instruct'),
    ('interns1', 'intern-s1', 'Shanghai_AI_Laboratory/Intern-S1', 'internlm/Intern-S1', 241, 40960, 'instruct'),
    ('interns1', 'intern-s1-mini-fp8', 'Shanghai_AI_Laboratory/Intern-S1-mini-FP8', 'internlm/Intern-S1-mini-FP8', 8, 40960, 'instruct'),
    ('interns1', 'intern-s1-fp8', 'Shanghai_AI_Laboratory/Intern-S1-FP8', 'internlm/Intern-S1-FP8', 241, 40960, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
