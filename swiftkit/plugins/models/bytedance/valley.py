"""``valley``: Valley (2 checkpoints, issue 14).

remote_code: ValleyQwen2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs av; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'valley': {'name': 'Valley',
            'architecture': 'ValleyQwen2ForCausalLM',
            'hf_model_type': 'valley',
            'template': 'valley',
            'support': 'remote_code',
            'support_note': "ValleyQwen2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                            'true); ms-swift also needs av; swiftkit has no media processor for it yet, so only '
                            'text is encoded',
            'modalities': ['image'],
            'requires': ['transformers>=4.42', 'av']}}

# fmt: off
CHECKPOINTS = [
    ('valley', 'valley-eagle-7b', 'bytedance-research/Valley-Eagle-7B', None, 8, 32768, 'instruct'),
    ('valley', 'valley2-dpo', None, 'bytedance-research/Valley2-DPO', 8, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
