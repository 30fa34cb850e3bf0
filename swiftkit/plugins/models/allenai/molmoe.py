"""``molmoe``: MolmoE (1 checkpoints, issue 14).

remote_code: OLMoForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'molmoe': {'name': 'MolmoE',
            'architecture': 'OLMoForCausalLM',
            'hf_model_type': 'molmo',
            'template': 'molmo',
            'support': 'remote_code',
            'support_note': "OLMoForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); "
                            'swiftkit has no media processor for it yet, so only text is encoded',
            'modalities': ['image'],
            'requires': ['transformers>=4.45']}}

# fmt: off
CHECKPOINTS = [
    ('molmoe', 'molmoe-1b-0924', 'LLM-Research/MolmoE-1B-0924', 'allenai/MolmoE-1B-0924', 7.2, 4096, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
