"""``llama4``: Llama 4 (5 checkpoints, issue 14).

unsupported: Llama4ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for llama4 yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llama4': {'name': 'Llama 4',
            'architecture': 'Llama4ForConditionalGeneration',
            'hf_model_type': 'llama4',
            'template': 'llama4',
            'support': 'unsupported',
            'support_note': 'Llama4ForConditionalGeneration is native in transformers 5.19, but swiftkit has no '
                            'media processor for llama4 yet (its template renders text only)',
            'modalities': ['image'],
            'requires': ['transformers>=4.51']}}

# fmt: off
CHECKPOINTS = [
    ('llama4', 'llama-4-scout-17b-16e', 'LLM-Research/Llama-4-Scout-17B-16E', 'meta-llama/Llama-4-Scout-17B-16E', 109, 1048576, 'base', 'moe'),
    ('llama4', 'llama-4-maverick-17b-128e', 'LLM-Research/Llama-4-Maverick-17B-128E', 'meta-llama/Llama-4-Maverick-17B-128E', 400, 1048576, 'base', 'moe'),
    ('llama4', 'llama-4-scout-17b-16e-instruct', 'LLM-Research/Llama-4-Scout-17B-16E-Instruct', 'meta-llama/Llama-4-Scout-17B-16E-Instruct', 109, 1048576, 'instruct', 'moe'),
    ('llama4', 'llama-4-maverick-17b-128e-instruct-fp8', 'LLM-Research/Llama-4-Maverick-17B-128E-Instruct-FP8', 'meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8', 400, 1048576, 'instruct', 'moe'),
    ('llama4', 'llama-4-maverick-17b-128e-instruct', 'LLM-Research/Llama-4-Maverick-17B-128E-Instruct', 'meta-llama/Llama-4-Maverick-17B-128E-Instruct', 400, 1048576, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
