"""``keye_vl_1_5``: Keye-VL-1.5 (1 checkpoints, issue 14).

unsupported: KeyeVL1_5ForConditionalGeneration from the checkpoint's own modeling code needs transformers==4.52.4 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'keye_vl_1_5': {'name': 'Keye-VL-1.5',
                 'architecture': 'KeyeVL1_5ForConditionalGeneration',
                 'hf_model_type': 'KeyeVL1_5',
                 'template': 'keye_vl_1_5',
                 'support': 'unsupported',
                 'support_note': "KeyeVL1_5ForConditionalGeneration from the checkpoint's own modeling code needs "
                                 "transformers==4.52.4 (ms-swift's requirement); swiftkit pins transformers 5.19",
                 'modalities': ['image'],
                 'requires': ['keye_vl_utils>=1.5.2', 'transformers==4.52.4']}}

# fmt: off
CHECKPOINTS = [
    ('keye_vl_1_5', 'keye-vl-1_5-8b', 'Kwai-Keye/Keye-VL-1_5-8B', '=', 8.0, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
