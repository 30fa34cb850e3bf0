"""``kimi_k25``: Kimi-K2.5 (3 checkpoints, issue 14).

unsupported: Kimi_K25ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for kimi_k25 yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'kimi_k25': {'name': 'Kimi-K2.5',
              'architecture': 'Kimi_K25ForConditionalGeneration',
              'hf_model_type': 'kimi_k25',
              'template': 'kimi_k25',
              'support': 'unsupported',
              'support_note': 'Kimi_K25ForConditionalGeneration is native in transformers 5.19, but swiftkit has '
                              'no media processor for kimi_k25 yet (its template renders text only)',
              'modalities': ['image'],
              'requires': ['transformers>=4.57.1,<5.0.0']}}

# fmt: off
CHECKPOINTS = [
    ('kimi_k25', 'kimi-k2.5', 'moonshotai/Kimi-K2.5', '=', 1000, 262144, 'instruct', 'moe'),
    ('kimi_k25', 'kimi-k2.6', 'moonshotai/Kimi-K2.6', '=', 1000, 262144, 'instruct', 'moe'),
    ('kimi_k25', 'kimi-k2.7-code', 'moonshotai/Kimi-K2.7-Code', '=', 1000, 262144, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
