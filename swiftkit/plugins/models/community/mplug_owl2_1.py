"""``mplug_owl2_1``: mPLUG-Owl2.1 (1 checkpoints, issue 14).

unsupported: MPLUGOwl2QWenForCausalLM from the checkpoint's own modeling code needs transformers<4.35 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'mplug_owl2_1': {'name': 'mPLUG-Owl2.1',
                  'architecture': 'MPLUGOwl2QWenForCausalLM',
                  'hf_model_type': 'mplug_owl2_1',
                  'template': 'mplug_owl2',
                  'support': 'unsupported',
                  'support_note': "MPLUGOwl2QWenForCausalLM from the checkpoint's own modeling code needs "
                                  "transformers<4.35 (ms-swift's requirement); swiftkit pins transformers 5.19",
                  'modalities': ['image'],
                  'requires': ['transformers<4.35', 'icecream']}}

# fmt: off
CHECKPOINTS = [
    ('mplug_owl2_1', 'mplug_owl_2_1', 'iic/mPLUG-Owl2.1', 'Mizukiluke/mplug_owl_2_1', 9.8, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
