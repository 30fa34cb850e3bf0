"""``deepseek_janus``: Janus (1 checkpoints, issue 14).

unsupported: MultiModalityCausalLM comes from DeepSeek's janus package (not the checkpoint); transformers 5.19's native JanusForConditionalGeneration reads only the deepseek-community conversions.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'deepseek_janus': {'name': 'Janus',
                    'architecture': 'MultiModalityCausalLM',
                    'hf_model_type': 'multi_modality',
                    'template': 'deepseek_janus',
                    'support': 'unsupported',
                    'support_note': "MultiModalityCausalLM comes from DeepSeek's janus package (not the "
                                    "checkpoint); transformers 5.19's native JanusForConditionalGeneration reads "
                                    'only the deepseek-community conversions',
                    'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('deepseek_janus', 'janus-1.3b', 'deepseek-ai/Janus-1.3B', '=', 1.3, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
