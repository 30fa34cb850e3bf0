"""``minicpmv4_6``: MiniCPM-V-4.6 (1 checkpoints, issue 14).

unsupported: MiniCPMV4_6ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for minicpmv4_6 yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'minicpmv4_6': {'name': 'MiniCPM-V-4.6',
                 'architecture': 'MiniCPMV4_6ForConditionalGeneration',
                 'hf_model_type': 'minicpmv4_6',
                 'template': 'minicpmv4_6',
                 'support': 'unsupported',
                 'support_note': 'MiniCPMV4_6ForConditionalGeneration is native in transformers 5.19, but swiftkit '
                                 'has no media processor for minicpmv4_6 yet (its template renders text only)',
                 'modalities': ['image', 'video'],
                 'requires': ['transformers>=5.7.0']}}

# fmt: off
CHECKPOINTS = [
    ('minicpmv4_6', 'minicpm-v-4.6', 'OpenBMB/MiniCPM-V-4.6', 'openbmb/MiniCPM-V-4.6', None, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
