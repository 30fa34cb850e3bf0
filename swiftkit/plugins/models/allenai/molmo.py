"""``molmo``: Molmo (3 checkpoints, issue 14).

remote_code: MolmoForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'molmo': {'name': 'Molmo',
           'architecture': 'MolmoForCausalLM',
           'hf_model_type': 'molmo',
           'template': 'molmo',
           'support': 'remote_code',
           'support_note': "MolmoForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); "
                           'swiftkit has no media processor for it yet, so only text is encoded',
           'modalities': ['image'],
           'requires': ['transformers>=4.45']}}

# fmt: off
CHECKPOINTS = [
    ('molmo', 'molmo-7b-o-0924', 'LLM-Research/Molmo-7B-O-0924', 'allenai/Molmo-7B-O-0924', 7.0, 4096, 'instruct'),
    ('molmo', 'molmo-7b-d-0924', 'LLM-Research/Molmo-7B-D-0924', 'allenai/Molmo-7B-D-0924', 7.0, 4096, 'instruct'),
    ('molmo', 'molmo-72b-0924', 'LLM-Research/Molmo-72B-0924', 'allenai/Molmo-72B-0924', 72.0, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
