"""``phi3_vision``: Phi-3-Vision (2 checkpoints, issue 14).

remote_code: Phi3VForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'phi3_vision': {'name': 'Phi-3-Vision',
                 'architecture': 'Phi3VForCausalLM',
                 'hf_model_type': 'phi3_v',
                 'template': 'phi3_vision',
                 'support': 'remote_code',
                 'support_note': "Phi3VForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                                 'true); swiftkit has no media processor for it yet, so only text is encoded',
                 'modalities': ['image'],
                 'requires': ['transformers>=4.36']}}

# fmt: off
CHECKPOINTS = [
    ('phi3_vision', 'phi-3-vision-128k-instruct', 'LLM-Research/Phi-3-vision-128k-instruct', 'microsoft/Phi-3-vision-128k-instruct', 4.2, 131072, 'instruct'),
    ('phi3_vision', 'phi-3.5-vision-instruct', 'LLM-Research/Phi-3.5-vision-instruct', 'microsoft/Phi-3.5-vision-instruct', 4.2, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
