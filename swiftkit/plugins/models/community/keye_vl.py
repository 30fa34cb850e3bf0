"""``keye_vl``: Keye-VL (1 checkpoints, issue 14).

remote_code: KeyeForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs keye_vl_utils; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'keye_vl': {'name': 'Keye-VL',
             'architecture': 'KeyeForConditionalGeneration',
             'hf_model_type': 'Keye',
             'template': 'keye_vl',
             'support': 'remote_code',
             'support_note': "KeyeForConditionalGeneration from the checkpoint's own modeling code "
                             '(--trust_remote_code true); ms-swift also needs keye_vl_utils; swiftkit has no media '
                             'processor for it yet, so only text is encoded',
             'modalities': ['image'],
             'requires': ['keye_vl_utils']}}

# fmt: off
CHECKPOINTS = [
    ('keye_vl', 'keye-vl-8b-preview', 'Kwai-Keye/Keye-VL-8B-Preview', '=', 8.0, 32768, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
