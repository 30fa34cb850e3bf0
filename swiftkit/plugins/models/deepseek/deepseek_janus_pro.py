"""``deepseek_janus_pro``: Janus-Pro (4 checkpoints, issue 14).

unsupported: MultiModalityCausalLM comes from DeepSeek's janus package (not the checkpoint); transformers 5.19's native JanusForConditionalGeneration reads only the deepseek-community conversions.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'deepseek_janus_pro': {'name': 'Janus-Pro',
                        'architecture': 'MultiModalityCausalLM',
                        'hf_model_type': 'multi_modality',
                        'template': 'deepseek_janus_pro',
                        'support': 'unsupported',
                        'support_note': "MultiModalityCausalLM comes from DeepSeek's janus package (not the "
                                        "checkpoint); transformers 5.19's native JanusForConditionalGeneration "
                                        'reads only the deepseek-community conversions',
                        'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('deepseek_janus_pro', 'janus-pro-1b', 'deepseek-ai/Janus-Pro-1B', '=', 1.0, 4096, 'instruct'),
    ('deepseek_janus_pro', 'janus-pro-7b', 'deepseek-ai/Janus-Pro-7B', '=', 7.0, 4096, 'instruct'),
    ('deepseek_janus_pro', 'deepseek-community-janus-pro-1b', None, 'deepseek-community/Janus-Pro-1B', 1.0, 4096, 'instruct', {'architecture': 'JanusForConditionalGeneration', 'hf_model_type': 'janus', 'support': 'unsupported', 'support_note': 'JanusForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_janus_pro yet (its template renders text only)'}),
    ('deepseek_janus_pro', 'deepseek-community-janus-pro-7b', None, 'deepseek-community/Janus-Pro-7B', 7.0, 4096, 'instruct', {'architecture': 'JanusForConditionalGeneration', 'hf_model_type': 'janus', 'support': 'unsupported', 'support_note': 'JanusForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_janus_pro yet (its template renders text only)'}),
]
# fmt: on
SHAPES: dict = {}
