"""``mplug_owl3_241101``: mPLUG-Owl3 (241101) (1 checkpoints, issue 14).

remote_code: mPLUGOwl3Model from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs icecream; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'mplug_owl3_241101': {'name': 'mPLUG-Owl3 (241101)',
                       'architecture': 'mPLUGOwl3Model',
                       'hf_model_type': 'mplug_owl3',
                       'template': 'mplug_owl3_241101',
                       'support': 'remote_code',
                       'support_note': "mPLUGOwl3Model from the checkpoint's own modeling code "
                                       '(--trust_remote_code true); ms-swift also needs icecream; swiftkit has no '
                                       'media processor for it yet, so only text is encoded',
                       'modalities': ['image', 'video'],
                       'requires': ['transformers>=4.36', 'icecream']}}

# fmt: off
CHECKPOINTS = [
    ('mplug_owl3_241101', 'mplug-owl3-7b-241101', 'iic/mPLUG-Owl3-7B-241101', 'mPLUG/mPLUG-Owl3-7B-241101', 7.0, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
