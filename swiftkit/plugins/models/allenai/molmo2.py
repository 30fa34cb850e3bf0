"""``molmo2``: Molmo2 (3 checkpoints, issue 14).

unsupported: Molmo2ForConditionalGeneration from the checkpoint's own modeling code needs transformers>=4.57.1,<5 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'molmo2': {'name': 'Molmo2',
            'architecture': 'Molmo2ForConditionalGeneration',
            'hf_model_type': 'molmo2',
            'template': 'molmo2',
            'support': 'unsupported',
            'support_note': "Molmo2ForConditionalGeneration from the checkpoint's own modeling code needs "
                            "transformers>=4.57.1,<5 (ms-swift's requirement); swiftkit pins transformers 5.19",
            'modalities': ['image', 'video'],
            'requires': ['transformers>=4.57.1,<5', 'decord']}}

# fmt: off
CHECKPOINTS = [
    ('molmo2', 'molmo2-4b', 'allenai/Molmo2-4B', '=', 4.0, 36864, 'instruct'),
    ('molmo2', 'molmo2-8b', 'allenai/Molmo2-8B', '=', 8.0, 36864, 'instruct'),
    ('molmo2', 'molmo2-o-7b', 'allenai/Molmo2-O-7B', '=', 7.0, 36864, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
