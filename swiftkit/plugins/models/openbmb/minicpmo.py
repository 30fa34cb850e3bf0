"""``minicpmo``: MiniCPM-o (3 checkpoints, issue 14).

remote_code: MiniCPMO from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs timm, decord, soundfile; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmo': {'name': 'MiniCPM-o',
              'architecture': 'MiniCPMO',
              'hf_model_type': 'minicpmo',
              'template': 'minicpmo',
              'support': 'remote_code',
              'support_note': "MiniCPMO from the checkpoint's own modeling code (--trust_remote_code true); "
                              'ms-swift also needs timm, decord, soundfile; swiftkit has no media processor for it '
                              'yet, so only text is encoded',
              'modalities': ['image', 'video', 'audio'],
              'requires': ['timm', 'transformers>=4.36', 'decord', 'soundfile']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmo', 'minicpm-o-2_6', 'OpenBMB/MiniCPM-o-2_6', 'openbmb/MiniCPM-o-2_6', 8.7, 32768, 'instruct'),
    ('minicpmo', 'minicpm-o-4_5', 'OpenBMB/MiniCPM-o-4_5', 'openbmb/MiniCPM-o-4_5', 9, 32768, 'instruct', {'template': 'minicpmo4_5', 'support': 'unsupported', 'support_note': "MiniCPMO from the checkpoint's own modeling code needs transformers==4.51.3 (ms-swift's requirement); swiftkit pins transformers 5.19", 'requires': ['timm', 'transformers==4.51.3', 'decord', 'soundfile', 'minicpmo-utils==1.0.6']}),
    ('minicpmo', 'minicpm-o-2_6-int4', None, 'openbmb/MiniCPM-o-2_6-int4', 8.7, 32768, 'instruct', {'quant_method': 'gptq', 'quant_bits': 4}),
]
# fmt: on
SHAPES: dict = {}
