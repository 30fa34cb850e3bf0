"""``qwen3_5``: Qwen3.5 (14 checkpoints, issue 14).

unsupported: Qwen3_5ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for qwen3_5 yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_5': {'name': 'Qwen3.5',
             'architecture': 'Qwen3_5ForConditionalGeneration',
             'hf_model_type': 'qwen3_5',
             'template': 'qwen3_5',
             'support': 'unsupported',
             'support_note': 'Qwen3_5ForConditionalGeneration is native in transformers 5.19, but swiftkit has no '
                             'media processor for qwen3_5 yet (its template renders text only)',
             'modalities': ['image', 'video'],
             'requires': ['transformers>=5.0.0.dev', 'qwen_vl_utils>=0.0.14', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_5', 'qwen3.5-0.8b', 'Qwen/Qwen3.5-0.8B', '=', 0.8, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-2b', 'Qwen/Qwen3.5-2B', '=', 2.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-4b', 'Qwen/Qwen3.5-4B', '=', 4.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-9b', 'Qwen/Qwen3.5-9B', '=', 9.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-27b', 'Qwen/Qwen3.5-27B', '=', 27.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-27b-fp8', 'Qwen/Qwen3.5-27B-FP8', '=', 27.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.5-0.8b-base', 'Qwen/Qwen3.5-0.8B-Base', '=', 0.8, 262144, 'base'),
    ('qwen3_5', 'qwen3.5-2b-base', 'Qwen/Qwen3.5-2B-Base', '=', 2.0, 262144, 'base'),
    ('qwen3_5', 'qwen3.5-4b-base', 'Qwen/Qwen3.5-4B-Base', '=', 4.0, 262144, 'base'),
    ('qwen3_5', 'qwen3.5-9b-base', 'Qwen/Qwen3.5-9B-Base', '=', 9.0, 262144, 'base'),
    ('qwen3_5', 'qwen3.6-27b', 'Qwen/Qwen3.6-27B', '=', 27.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.6-27b-fp8', 'Qwen/Qwen3.6-27B-FP8', '=', 27.0, 262144, 'instruct'),
    ('qwen3_5', 'qwen3.8-27b', 'Qwen/Qwen3.8-27B', '=', 27.0, 262144, 'instruct', {'template': 'qwen3_8'}),
    ('qwen3_5', 'qwen3.8-27b-fp8', 'Qwen/Qwen3.8-27B-FP8', '=', 27.0, 262144, 'instruct', {'template': 'qwen3_8'}),
]
# fmt: on
SHAPES: dict = {}
