"""``mplug_owl2``: mPLUG-Owl2 (1 checkpoints, issue 14).

unsupported: MPLUGOwl2LlamaForCausalLM from the checkpoint's own modeling code needs transformers<4.35 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'mplug_owl2': {'name': 'mPLUG-Owl2',
                'architecture': 'MPLUGOwl2LlamaForCausalLM',
                'hf_model_type': 'mplug_owl2',
                'template': 'mplug_owl2',
                'support': 'unsupported',
                'support_note': "MPLUGOwl2LlamaForCausalLM from the checkpoint's own modeling code needs "
                                "transformers<4.35 (ms-swift's requirement); swiftkit pins transformers 5.19",
                'modalities': ['image'],
                'requires': ['transformers<4.35', 'icecream']}}

# fmt: off
CHECKPOINTS = [
    ('mplug_owl2', 'mplug-owl2-llama2-7b', 'iic/mPLUG-Owl2', 'MAGAer13/mplug-owl2-llama2-7b', 7.0, 2048, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
