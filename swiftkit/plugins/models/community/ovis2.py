"""``ovis2``: Ovis2 (8 checkpoints, issue 14).

remote_code: Ovis from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs moviepy<2; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'ovis2': {'name': 'Ovis2',
           'architecture': 'Ovis',
           'hf_model_type': 'ovis',
           'template': 'ovis2',
           'support': 'remote_code',
           'support_note': "Ovis from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also "
                           'needs moviepy<2; swiftkit has no media processor for it yet, so only text is encoded',
           'modalities': ['image'],
           'requires': ['transformers>=4.46.2', 'moviepy<2']}}

# fmt: off
CHECKPOINTS = [
    ('ovis2', 'ovis2-1b', 'AIDC-AI/Ovis2-1B', '=', 1.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-2b', 'AIDC-AI/Ovis2-2B', '=', 2.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-4b', 'AIDC-AI/Ovis2-4B', '=', 4.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-8b', 'AIDC-AI/Ovis2-8B', '=', 8.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-16b', 'AIDC-AI/Ovis2-16B', '=', 16.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-34b', 'AIDC-AI/Ovis2-34B', '=', 34.0, 32768, 'instruct'),
    ('ovis2', 'ovis2-1b-hf', None, 'thisisiron/Ovis2-1B-hf', 1.0, 32768, 'instruct', {'architecture': 'Ovis2ForConditionalGeneration', 'hf_model_type': 'ovis2', 'support': 'unsupported', 'support_note': 'Ovis2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for ovis2 yet (its template renders text only)', 'requires': []}),
    ('ovis2', 'ovis2-2b-hf', None, 'thisisiron/Ovis2-2B-hf', 2.0, 32768, 'instruct', {'architecture': 'Ovis2ForConditionalGeneration', 'hf_model_type': 'ovis2', 'support': 'unsupported', 'support_note': 'Ovis2ForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for ovis2 yet (its template renders text only)', 'requires': []}),
]
# fmt: on
SHAPES: dict = {}
