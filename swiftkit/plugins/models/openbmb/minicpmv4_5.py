"""``minicpmv4_5``: MiniCPM-V-4.5 (1 checkpoints, issue 14).

remote_code: MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv4_5': {'name': 'MiniCPM-V-4.5',
                 'architecture': 'MiniCPMV',
                 'hf_model_type': 'minicpmv',
                 'template': 'minicpmv4_5',
                 'support': 'remote_code',
                 'support_note': "MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); "
                                 'ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so '
                                 'only text is encoded',
                 'modalities': ['image', 'video'],
                 'requires': ['timm', 'transformers>=4.36', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv4_5', 'minicpm-v-4_5', 'OpenBMB/MiniCPM-V-4_5', 'openbmb/MiniCPM-V-4_5', 8.7, 40960, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
