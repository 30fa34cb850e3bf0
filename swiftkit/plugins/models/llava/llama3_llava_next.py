"""``llama3_llava_next``: LLaVA-NeXT (Llama 3, original) (1 checkpoints, issue 14).

unsupported: LlavaLlamaForCausalLM comes from the LLaVA-NeXT GitHub repository's llava package (not the checkpoint, not transformers); the llava-hf conversion is the llama3_llava_next_hf family.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llama3_llava_next': {'name': 'LLaVA-NeXT (Llama 3, original)',
                       'architecture': 'LlavaLlamaForCausalLM',
                       'hf_model_type': 'llava',
                       'template': 'llama3_llava_next',
                       'support': 'unsupported',
                       'support_note': "LlavaLlamaForCausalLM comes from the LLaVA-NeXT GitHub repository's llava "
                                       'package (not the checkpoint, not transformers); the llava-hf conversion is '
                                       'the llama3_llava_next_hf family',
                       'modalities': ['image'],
                       'requires': ['transformers>=4.42', 'av']}}

# fmt: off
CHECKPOINTS = [
    ('llama3_llava_next', 'llama3-llava-next-8b', 'AI-ModelScope/llama3-llava-next-8b', 'lmms-lab/llama3-llava-next-8b', 8.0, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
