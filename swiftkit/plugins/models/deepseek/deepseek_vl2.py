"""``deepseek_vl2``: DeepSeek-VL2 (3 checkpoints, issue 14).

unsupported: DeepseekVLV2ForCausalLM comes from DeepSeek's deepseek_vl2 package (not the checkpoint) and needs transformers<4.42.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'deepseek_vl2': {'name': 'DeepSeek-VL2',
                  'architecture': 'DeepseekVLV2ForCausalLM',
                  'hf_model_type': 'deepseek_vl_v2',
                  'template': 'deepseek_vl2',
                  'support': 'unsupported',
                  'support_note': "DeepseekVLV2ForCausalLM comes from DeepSeek's deepseek_vl2 package (not the "
                                  'checkpoint) and needs transformers<4.42',
                  'modalities': ['image'],
                  'requires': ['transformers<4.42']}}

# fmt: off
CHECKPOINTS = [
    ('deepseek_vl2', 'deepseek-vl2-tiny', 'deepseek-ai/deepseek-vl2-tiny', '=', 3.4, 4096, 'instruct', 'moe'),
    ('deepseek_vl2', 'deepseek-vl2-small', 'deepseek-ai/deepseek-vl2-small', '=', 16.1, 4096, 'instruct', 'moe'),
    ('deepseek_vl2', 'deepseek-vl2', 'deepseek-ai/deepseek-vl2', '=', 27.5, 4096, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
