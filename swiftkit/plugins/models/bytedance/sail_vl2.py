"""``sail_vl2``: SAIL-VL2 (4 checkpoints, issue 14).

unsupported: SAILVLModel from the checkpoint's own modeling code needs transformers<=4.51.3 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'sail_vl2': {'name': 'SAIL-VL2',
              'architecture': 'SAILVLModel',
              'hf_model_type': 'sail_vl',
              'template': 'sail_vl2',
              'support': 'unsupported',
              'support_note': "SAILVLModel from the checkpoint's own modeling code needs transformers<=4.51.3 "
                              "(ms-swift's requirement); swiftkit pins transformers 5.19",
              'modalities': ['image'],
              'requires': ['transformers<=4.51.3']}}

# fmt: off
CHECKPOINTS = [
    ('sail_vl2', 'sail-vl2-2b', 'BytedanceDouyinContent/SAIL-VL2-2B', '=', 2.0, 32768, 'instruct'),
    ('sail_vl2', 'sail-vl2-2b-thinking', 'BytedanceDouyinContent/SAIL-VL2-2B-Thinking', '=', 2.0, 32768, 'instruct', 'thinking'),
    ('sail_vl2', 'sail-vl2-8b', 'BytedanceDouyinContent/SAIL-VL2-8B', '=', 8.0, 32768, 'instruct'),
    ('sail_vl2', 'sail-vl2-8b-thinking', 'BytedanceDouyinContent/SAIL-VL2-8B-Thinking', '=', 8.0, 32768, 'instruct', 'thinking'),
]
# fmt: on
SHAPES: dict = {}
