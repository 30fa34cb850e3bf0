"""``gemma4``: Gemma 4 (8 checkpoints, issue 14).

unsupported: Gemma4ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for gemma4 yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'gemma4': {'name': 'Gemma 4',
            'architecture': 'Gemma4ForConditionalGeneration',
            'hf_model_type': 'gemma4',
            'template': 'gemma4_nothinking',
            'support': 'unsupported',
            'support_note': 'Gemma4ForConditionalGeneration is native in transformers 5.19, but swiftkit has no '
                            'media processor for gemma4 yet (its template renders text only)',
            'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('gemma4', 'gemma-4-e2b', 'google/gemma-4-E2B', '=', 2, 131072, 'base'),
    ('gemma4', 'gemma-4-e2b-it', 'google/gemma-4-E2B-it', '=', 2, 131072, 'instruct'),
    ('gemma4', 'gemma-4-e4b', 'google/gemma-4-E4B', '=', 4, 131072, 'base'),
    ('gemma4', 'gemma-4-e4b-it', 'google/gemma-4-E4B-it', '=', 4, 131072, 'instruct'),
    ('gemma4', 'gemma-4-31b', 'google/gemma-4-31B', '=', 31.0, 131072, 'base', {'template': 'gemma4'}),
    ('gemma4', 'gemma-4-31b-it', 'google/gemma-4-31B-it', '=', 31.0, 131072, 'instruct', {'template': 'gemma4'}),
    ('gemma4', 'gemma-4-26b-a4b', 'google/gemma-4-26B-A4B', '=', 26.0, 131072, 'instruct', {'template': 'gemma4'}),
    ('gemma4', 'gemma-4-26b-a4b-it', 'google/gemma-4-26B-A4B-it', '=', 26.0, 131072, 'instruct', {'template': 'gemma4'}),
]
# fmt: on
SHAPES: dict = {}
