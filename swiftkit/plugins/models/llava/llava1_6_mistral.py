"""``llava1_6_mistral``: LLaVA-1.6 (Mistral, original) (1 checkpoints, issue 14).

unsupported: LlavaMistralForCausalLM comes from the LLaVA GitHub repository's llava package (not the checkpoint, not transformers); the llava-hf conversion is the llava1_6_mistral_hf family.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llava1_6_mistral': {'name': 'LLaVA-1.6 (Mistral, original)',
                      'architecture': 'LlavaMistralForCausalLM',
                      'hf_model_type': 'llava_mistral',
                      'template': 'llava1_6_mistral',
                      'support': 'unsupported',
                      'support_note': "LlavaMistralForCausalLM comes from the LLaVA GitHub repository's llava "
                                      'package (not the checkpoint, not transformers); the llava-hf conversion is '
                                      'the llava1_6_mistral_hf family',
                      'modalities': ['image'],
                      'requires': ['transformers>=4.34']}}

# fmt: off
CHECKPOINTS = [
    ('llava1_6_mistral', 'llava-v1.6-mistral-7b', 'AI-ModelScope/llava-v1.6-mistral-7b', 'liuhaotian/llava-v1.6-mistral-7b', 7.0, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
