"""``doc_owl2``: DocOwl2 (1 checkpoints, issue 14).

remote_code: mPLUGDocOwl2 from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs icecream; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'doc_owl2': {'name': 'DocOwl2',
              'architecture': 'mPLUGDocOwl2',
              'hf_model_type': 'mplug_docowl',
              'template': 'doc_owl2',
              'support': 'remote_code',
              'support_note': "mPLUGDocOwl2 from the checkpoint's own modeling code (--trust_remote_code true); "
                              'ms-swift also needs icecream; swiftkit has no media processor for it yet, so only '
                              'text is encoded',
              'modalities': ['image'],
              'requires': ['transformers>=4.36', 'icecream']}}

# fmt: off
CHECKPOINTS = [
    ('doc_owl2', 'docowl2', 'iic/DocOwl2', 'mPLUG/DocOwl2', 8, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
