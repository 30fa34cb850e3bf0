"""``megrez_omni``: Megrez-Omni (1 checkpoints, issue 14).

remote_code: MegrezO from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'megrez_omni': {'name': 'Megrez-Omni',
                 'architecture': 'MegrezO',
                 'hf_model_type': 'megrezo',
                 'template': 'megrez_omni',
                 'support': 'remote_code',
                 'support_note': "MegrezO from the checkpoint's own modeling code (--trust_remote_code true); "
                                 'swiftkit has no media processor for it yet, so only text is encoded',
                 'modalities': ['image', 'audio']}}

# fmt: off
CHECKPOINTS = [
    ('megrez_omni', 'megrez-3b-omni', 'InfiniAI/Megrez-3B-Omni', 'Infinigence/Megrez-3B-Omni', 4, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
