"""``llava1_6_yi``: LLaVA-1.6 (Yi, original) (1 checkpoints, issue 14).

unsupported: LlavaLlamaForCausalLM comes from the LLaVA GitHub repository's llava package (not the checkpoint, not transformers); the llava-hf conversion is the llava1_6_yi_hf family.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llava1_6_yi': {'name': 'LLaVA-1.6 (Yi, original)',
                 'architecture': 'LlavaLlamaForCausalLM',
                 'hf_model_type': 'llava',
                 'template': 'llava1_6_yi',
                 'support': 'unsupported',
                 'support_note': "LlavaLlamaForCausalLM comes from the LLaVA GitHub repository's llava package "
                                 '(not the checkpoint, not transformers); the llava-hf conversion is the '
                                 'llava1_6_yi_hf family',
                 'modalities': ['image'],
                 'requires': ['transformers>=4.34']}}

# fmt: off
CHECKPOINTS = [
    ('llava1_6_yi', 'llava-v1.6-34b', 'AI-ModelScope/llava-v1.6-34b', 'liuhaotian/llava-v1.6-34b', 34.0, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
