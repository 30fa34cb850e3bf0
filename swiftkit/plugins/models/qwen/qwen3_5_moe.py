"""``qwen3_5_moe``: Qwen3.5-MoE (11 checkpoints, issue 14).

unsupported: Qwen3_5MoeForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for qwen3_5_moe yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_5_moe': {'name': 'Qwen3.5-MoE',
                 'architecture': 'Qwen3_5MoeForConditionalGeneration',
                 'hf_model_type': 'qwen3_5_moe',
                 'template': 'qwen3_5',
                 'support': 'unsupported',
                 'support_note': 'Qwen3_5MoeForConditionalGeneration is native in transformers 5.19, but swiftkit '
                                 'has no media processor for qwen3_5_moe yet (its template renders text only)',
                 'modalities': ['image', 'video'],
                 'requires': ['transformers>=5.2.0', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_5_moe', 'qwen3.5-35b-a3b-base', 'Qwen/Qwen3.5-35B-A3B-Base', '=', 35.0, 262144, 'base', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-35b-a3b', 'Qwen/Qwen3.5-35B-A3B', '=', 35.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-122b-a10b', 'Qwen/Qwen3.5-122B-A10B', '=', 122.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-397b-a17b', 'Qwen/Qwen3.5-397B-A17B', '=', 397.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-35b-a3b-fp8', 'Qwen/Qwen3.5-35B-A3B-FP8', '=', 35.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-122b-a10b-fp8', 'Qwen/Qwen3.5-122B-A10B-FP8', '=', 122.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.5-397b-a17b-fp8', 'Qwen/Qwen3.5-397B-A17B-FP8', '=', 397.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.6-35b-a3b', 'Qwen/Qwen3.6-35B-A3B', '=', 35.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.6-35b-a3b-fp8', 'Qwen/Qwen3.6-35B-A3B-FP8', '=', 35.0, 262144, 'instruct', 'moe'),
    ('qwen3_5_moe', 'qwen3.8-2.4t-a95b', 'Qwen/Qwen3.8-2.4T-A95B', '=', 2400.0, 262144, 'instruct', 'moe', {'template': 'qwen3_8'}),
    ('qwen3_5_moe', 'qwen3.8-2.4t-a95b-fp8', 'Qwen/Qwen3.8-2.4T-A95B-FP8', '=', 2400.0, 262144, 'instruct', 'moe', {'template': 'qwen3_8'}),
]
# fmt: on
SHAPES: dict = {}
