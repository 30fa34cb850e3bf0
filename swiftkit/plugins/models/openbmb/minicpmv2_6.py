"""``minicpmv2_6``: MiniCPM-V-2.6 (2 checkpoints, issue 14).

remote_code: MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv2_6': {'name': 'MiniCPM-V-2.6',
                 'architecture': 'MiniCPMV',
                 'hf_model_type': 'minicpmv',
                 'template': 'minicpmv2_6',
                 'support': 'remote_code',
                 'support_note': "MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); "
                                 'ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so '
                                 'only text is encoded',
                 'modalities': ['image', 'video'],
                 'requires': ['timm', 'transformers>=4.36', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv2_6', 'minicpm-v-2_6', 'OpenBMB/MiniCPM-V-2_6', 'openbmb/MiniCPM-V-2_6', 8.1, 32768, 'instruct'),
    ('minicpmv2_6', 'minicpm-v-2_6-int4', None, 'openbmb/MiniCPM-V-2_6-int4', 8.1, 32768, 'instruct', {'quant_method': 'bnb', 'quant_bits': 4}),
]
# fmt: on
SHAPES: dict = {}
