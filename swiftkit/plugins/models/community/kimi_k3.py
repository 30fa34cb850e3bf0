"""``kimi_k3``: Kimi-K3 (1 checkpoints, issue 14).

remote_code: KimiK3ForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs tiktoken; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'kimi_k3': {'name': 'Kimi-K3',
             'architecture': 'KimiK3ForConditionalGeneration',
             'hf_model_type': 'kimi_k3',
             'template': 'kimi_k3',
             'support': 'remote_code',
             'support_note': "KimiK3ForConditionalGeneration from the checkpoint's own modeling code "
                             '(--trust_remote_code true); ms-swift also needs tiktoken; swiftkit has no media '
                             'processor for it yet, so only text is encoded',
             'modalities': ['image'],
             'requires': ['transformers>=5', 'tiktoken']}}

# fmt: off
CHECKPOINTS = [
    ('kimi_k3', 'kimi-k3', 'moonshotai/Kimi-K3', '=', None, 262144, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
