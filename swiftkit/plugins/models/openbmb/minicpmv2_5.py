"""``minicpmv2_5``: MiniCPM-Llama3-V-2.5 (2 checkpoints, issue 14).

remote_code: MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs timm; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv2_5': {'name': 'MiniCPM-Llama3-V-2.5',
                 'architecture': 'MiniCPMV',
                 'hf_model_type': 'minicpmv',
                 'template': 'minicpmv2_5',
                 'support': 'remote_code',
                 'support_note': "MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); "
                                 'ms-swift also needs timm; swiftkit has no media processor for it yet, so only '
                                 'text is encoded',
                 'modalities': ['image'],
                 'requires': ['timm', 'transformers>=4.36']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv2_5', 'minicpm-llama3-v-2_5', 'OpenBMB/MiniCPM-Llama3-V-2_5', 'openbmb/MiniCPM-Llama3-V-2_5', 8.5, 8192, 'instruct'),
    ('minicpmv2_5', 'minicpm-llama3-v-2_5-int4', None, 'openbmb/MiniCPM-Llama3-V-2_5-int4', 8.5, 8192, 'instruct', {'quant_method': 'bnb', 'quant_bits': 4}),
]
# fmt: on
SHAPES: dict = {}
