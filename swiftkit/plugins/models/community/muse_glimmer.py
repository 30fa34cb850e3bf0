"""``muse_glimmer``: Muse-Glimmer (1 checkpoints, issue 14).

unsupported: MuseGlimmerForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for muse_glimmer yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'muse_glimmer': {'name': 'Muse-Glimmer',
                  'architecture': 'MuseGlimmerForConditionalGeneration',
                  'hf_model_type': 'muse_glimmer',
                  'template': 'muse_glimmer',
                  'support': 'unsupported',
                  'support_note': 'MuseGlimmerForConditionalGeneration is native in transformers 5.19, but '
                                  'swiftkit has no media processor for muse_glimmer yet (its template renders text '
                                  'only)',
                  'modalities': ['image', 'video'],
                  'requires': ['transformers>=5.15']}}

# fmt: off
CHECKPOINTS = [
    ('muse_glimmer', 'muse-glimmer-30b', 'meta-models/Muse-Glimmer-30B', '=', 30.0, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
