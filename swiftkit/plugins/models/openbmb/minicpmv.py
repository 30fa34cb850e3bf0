"""``minicpmv``: MiniCPM-V (2 checkpoints, issue 14).

unsupported: MiniCPMV from the checkpoint's own modeling code needs transformers<4.42 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv': {'name': 'MiniCPM-V',
              'architecture': 'MiniCPMV',
              'hf_model_type': 'minicpmv',
              'template': 'minicpmv',
              'support': 'unsupported',
              'support_note': "MiniCPMV from the checkpoint's own modeling code needs transformers<4.42 "
                              "(ms-swift's requirement); swiftkit pins transformers 5.19",
              'modalities': ['image'],
              'requires': ['timm', 'transformers<4.42']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv', 'minicpm-v', 'OpenBMB/MiniCPM-V', 'openbmb/MiniCPM-V', 3.4, 2048, 'instruct'),
    ('minicpmv', 'minicpm-v-2', 'OpenBMB/MiniCPM-V-2', 'openbmb/MiniCPM-V-2', 2.8, 2048, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
