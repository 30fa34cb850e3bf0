"""``yi_vl``: Yi-VL (2 checkpoints, issue 14).

unsupported: LlavaLlamaForCausalLM comes from the Yi repository's VL code (not the checkpoint, not transformers).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'yi_vl': {'name': 'Yi-VL',
           'architecture': 'LlavaLlamaForCausalLM',
           'hf_model_type': 'llava',
           'template': 'yi_vl',
           'support': 'unsupported',
           'support_note': "LlavaLlamaForCausalLM comes from the Yi repository's VL code (not the checkpoint, not "
                           'transformers)',
           'modalities': ['image'],
           'requires': ['transformers>=4.34']}}

# fmt: off
CHECKPOINTS = [
    ('yi_vl', 'yi-vl-6b', '01ai/Yi-VL-6B', '01-ai/Yi-VL-6B', 6.0, 4096, 'instruct'),
    ('yi_vl', 'yi-vl-34b', '01ai/Yi-VL-34B', '01-ai/Yi-VL-34B', 34.0, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
