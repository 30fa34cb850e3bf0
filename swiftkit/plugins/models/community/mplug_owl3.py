"""``mplug_owl3``: mPLUG-Owl3 (3 checkpoints, issue 14).

remote_code: mPLUGOwl3Model from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs icecream, decord; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'mplug_owl3': {'name': 'mPLUG-Owl3',
                'architecture': 'mPLUGOwl3Model',
                'hf_model_type': 'mplug_owl3',
                'template': 'mplug_owl3',
                'support': 'remote_code',
                'support_note': "mPLUGOwl3Model from the checkpoint's own modeling code (--trust_remote_code "
                                'true); ms-swift also needs icecream, decord; swiftkit has no media processor for '
                                'it yet, so only text is encoded',
                'modalities': ['image', 'video'],
                'requires': ['transformers>=4.36', 'icecream', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('mplug_owl3', 'mplug-owl3-1b-241014', 'iic/mPLUG-Owl3-1B-241014', 'mPLUG/mPLUG-Owl3-1B-241014', 1.0, 32768, 'instruct'),
    ('mplug_owl3', 'mplug-owl3-2b-241014', 'iic/mPLUG-Owl3-2B-241014', 'mPLUG/mPLUG-Owl3-2B-241014', 2.0, 32768, 'instruct'),
    ('mplug_owl3', 'mplug-owl3-7b-240728', 'iic/mPLUG-Owl3-7B-240728', 'mPLUG/mPLUG-Owl3-7B-240728', 7.0, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
