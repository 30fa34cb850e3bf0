"""``gemma3n``: Gemma 3n (4 checkpoints, issue 14).

unsupported: Gemma3nForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for gemma3n yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'gemma3n': {'name': 'Gemma 3n',
             'architecture': 'Gemma3nForConditionalGeneration',
             'hf_model_type': 'gemma3n',
             'template': 'gemma3n',
             'support': 'unsupported',
             'support_note': 'Gemma3nForConditionalGeneration is native in transformers 5.19, but swiftkit has no '
                             'media processor for gemma3n yet (its template renders text only)',
             'modalities': ['image'],
             'requires': ['transformers>=4.53.1']}}

# fmt: off
CHECKPOINTS = [
    ('gemma3n', 'gemma-3n-e2b', 'google/gemma-3n-E2B', '=', 5, 32768, 'base'),
    ('gemma3n', 'gemma-3n-e4b', 'google/gemma-3n-E4B', '=', 8, 32768, 'base'),
    ('gemma3n', 'gemma-3n-e2b-it', 'google/gemma-3n-E2B-it', '=', 5, 32768, 'instruct'),
    ('gemma3n', 'gemma-3n-e4b-it', 'google/gemma-3n-E4B-it', '=', 8, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
