"""``gemma4_unified``: Gemma 4 (unified) (2 checkpoints, issue 14).

unsupported: Gemma4UnifiedForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for gemma4_unified yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'gemma4_unified': {'name': 'Gemma 4 (unified)',
                    'architecture': 'Gemma4UnifiedForConditionalGeneration',
                    'hf_model_type': 'gemma4_unified',
                    'template': 'gemma4',
                    'support': 'unsupported',
                    'support_note': 'Gemma4UnifiedForConditionalGeneration is native in transformers 5.19, but '
                                    'swiftkit has no media processor for gemma4_unified yet (its template renders '
                                    'text only)',
                    'modalities': ['image'],
                    'requires': ['transformers>=5.10.1']}}

# fmt: off
CHECKPOINTS = [
    ('gemma4_unified', 'gemma-4-12b', 'google/gemma-4-12B', '=', 12.0, 131072, 'base'),
    ('gemma4_unified', 'gemma-4-12b-it', 'google/gemma-4-12B-it', '=', 12.0, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
