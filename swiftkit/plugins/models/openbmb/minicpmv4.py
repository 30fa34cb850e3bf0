"""``minicpmv4``: MiniCPM-V-4 (1 checkpoints, issue 14).

remote_code: MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv4': {'name': 'MiniCPM-V-4',
               'architecture': 'MiniCPMV',
               'hf_model_type': 'minicpmv',
               'template': 'minicpmv4',
               'support': 'remote_code',
               'support_note': "MiniCPMV from the checkpoint's own modeling code (--trust_remote_code true); "
                               'ms-swift also needs timm, decord; swiftkit has no media processor for it yet, so '
                               'only text is encoded',
               'modalities': ['image', 'video'],
               'requires': ['timm', 'transformers>=4.36', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv4', 'minicpm-v-4', 'OpenBMB/MiniCPM-V-4', 'openbmb/MiniCPM-V-4', 4.1, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
