"""``ovis2_5``: Ovis2.5 (2 checkpoints, issue 14).

remote_code: Ovis2_5 from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs moviepy<2; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'ovis2_5': {'name': 'Ovis2.5',
             'architecture': 'Ovis2_5',
             'hf_model_type': 'ovis2_5',
             'template': 'ovis2_5',
             'support': 'remote_code',
             'support_note': "Ovis2_5 from the checkpoint's own modeling code (--trust_remote_code true); ms-swift "
                             'also needs moviepy<2; swiftkit has no media processor for it yet, so only text is '
                             'encoded',
             'modalities': ['image'],
             'requires': ['transformers>=4.46.2', 'moviepy<2']}}

# fmt: off
CHECKPOINTS = [
    ('ovis2_5', 'ovis2.5-2b', 'AIDC-AI/Ovis2.5-2B', '=', 2.0, 40960, 'instruct'),
    ('ovis2_5', 'ovis2.5-9b', 'AIDC-AI/Ovis2.5-9B', '=', 9.0, 40960, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
