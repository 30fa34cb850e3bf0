"""``moss_vl``: MOSS-VL (2 checkpoints, issue 14).

unsupported: MossVLForConditionalGeneration from the checkpoint's own modeling code needs transformers>=4.57.1,<5 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'moss_vl': {'name': 'MOSS-VL',
             'architecture': 'MossVLForConditionalGeneration',
             'hf_model_type': 'moss_vl',
             'template': 'moss_vl',
             'support': 'unsupported',
             'support_note': "MossVLForConditionalGeneration from the checkpoint's own modeling code needs "
                             "transformers>=4.57.1,<5 (ms-swift's requirement); swiftkit pins transformers 5.19",
             'modalities': ['image', 'video'],
             'requires': ['transformers>=4.57.1,<5', 'torchcodec', 'joblib']}}

# fmt: off
CHECKPOINTS = [
    ('moss_vl', 'moss-vl-instruct-0708', 'openmoss/MOSS-VL-Instruct-0708', 'OpenMOSS-Team/MOSS-VL-Instruct-0708', None, 32768, 'instruct'),
    ('moss_vl', 'moss-vl-base-0708', 'openmoss/MOSS-VL-Base-0708', 'OpenMOSS-Team/MOSS-VL-Base-0708', None, 32768, 'base'),
]
# fmt: on
SHAPES: dict = {}
