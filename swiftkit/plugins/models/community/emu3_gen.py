"""``emu3_gen``: Emu3-Gen (1 checkpoints, issue 14).

unsupported: text-to-image generation (Emu3ForCausalLM from the checkpoint's own modeling_emu3.py): swiftkit trains no image generation task.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'emu3_gen': {'name': 'Emu3-Gen',
              'architecture': 'Emu3ForCausalLM',
              'hf_model_type': 'Emu3',
              'template': 'emu3_gen',
              'support': 'unsupported',
              'support_note': "text-to-image generation (Emu3ForCausalLM from the checkpoint's own "
                              'modeling_emu3.py): swiftkit trains no image generation task',
              'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('emu3_gen', 'emu3-gen', 'BAAI/Emu3-Gen', '=', 8.5, 131072, 'base'),
]
# fmt: on
SHAPES: dict = {}
