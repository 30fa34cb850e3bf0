"""``phi4_multimodal``: Phi-4-multimodal (1 checkpoints, issue 14).

unsupported: Phi4MMForCausalLM from the checkpoint's own modeling code needs transformers>=4.36,<4.49 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'phi4_multimodal': {'name': 'Phi-4-multimodal',
                     'architecture': 'Phi4MMForCausalLM',
                     'hf_model_type': 'phi4mm',
                     'template': 'phi4_multimodal',
                     'support': 'unsupported',
                     'support_note': "Phi4MMForCausalLM from the checkpoint's own modeling code needs "
                                     "transformers>=4.36,<4.49 (ms-swift's requirement); swiftkit pins "
                                     'transformers 5.19',
                     'modalities': ['image', 'audio'],
                     'requires': ['transformers>=4.36,<4.49', 'backoff', 'soundfile']}}

# fmt: off
CHECKPOINTS = [
    ('phi4_multimodal', 'phi-4-multimodal-instruct', 'LLM-Research/Phi-4-multimodal-instruct', 'microsoft/Phi-4-multimodal-instruct', 5.6, 131072, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
