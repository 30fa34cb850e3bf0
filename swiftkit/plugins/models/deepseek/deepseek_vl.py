"""``deepseek_vl``: DeepSeek-VL (8 checkpoints, issue 14).

unsupported: MultiModalityCausalLM comes from DeepSeek's deepseek_vl package (not the checkpoint); transformers 5.19's native DeepseekVL classes read only the deepseek-community conversions.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'deepseek_vl': {'name': 'DeepSeek-VL',
                 'architecture': 'MultiModalityCausalLM',
                 'hf_model_type': 'multi_modality',
                 'template': 'deepseek_vl',
                 'support': 'unsupported',
                 'support_note': "MultiModalityCausalLM comes from DeepSeek's deepseek_vl package (not the "
                                 "checkpoint); transformers 5.19's native DeepseekVL classes read only the "
                                 'deepseek-community conversions',
                 'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('deepseek_vl', 'deepseek-vl-1.3b-chat', 'deepseek-ai/deepseek-vl-1.3b-chat', '=', 1.3, 4096, 'chat'),
    ('deepseek_vl', 'deepseek-vl-7b-chat', 'deepseek-ai/deepseek-vl-7b-chat', '=', 7.0, 4096, 'chat'),
    ('deepseek_vl', 'deepseek-vl-7b-base', None, 'deepseek-ai/deepseek-vl-7b-base', 7.0, 4096, 'base'),
    ('deepseek_vl', 'deepseek-vl-1.3b-base', None, 'deepseek-ai/deepseek-vl-1.3b-base', 1.3, 4096, 'base'),
    ('deepseek_vl', 'deepseek-community-deepseek-vl-1.3b-chat', None, 'deepseek-community/deepseek-vl-1.3b-chat', 1.3, 4096, 'chat', {'architecture': 'DeepseekVLForConditionalGeneration', 'hf_model_type': 'deepseek_vl', 'support': 'unsupported', 'support_note': 'DeepseekVLForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_vl yet (its template renders text only)'}),
    ('deepseek_vl', 'deepseek-community-deepseek-vl-1.3b-base', None, 'deepseek-community/deepseek-vl-1.3b-base', 1.3, 4096, 'base', {'architecture': 'DeepseekVLForConditionalGeneration', 'hf_model_type': 'deepseek_vl', 'support': 'unsupported', 'support_note': 'DeepseekVLForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_vl yet (its template renders text only)'}),
    ('deepseek_vl', 'deepseek-community-deepseek-vl-7b-chat', None, 'deepseek-community/deepseek-vl-7b-chat', 7.0, 4096, 'chat', {'architecture': 'DeepseekVLHybridForConditionalGeneration', 'hf_model_type': 'deepseek_vl_hybrid', 'support': 'unsupported', 'support_note': 'DeepseekVLHybridForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_vl yet (its template renders text only)'}),
    ('deepseek_vl', 'deepseek-community-deepseek-vl-7b-base', None, 'deepseek-community/deepseek-vl-7b-base', 7.0, 4096, 'base', {'architecture': 'DeepseekVLHybridForConditionalGeneration', 'hf_model_type': 'deepseek_vl_hybrid', 'support': 'unsupported', 'support_note': 'DeepseekVLHybridForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for deepseek_vl yet (its template renders text only)'}),
]
# fmt: on
SHAPES: dict = {}
