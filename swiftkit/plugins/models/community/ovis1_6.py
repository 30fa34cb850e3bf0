"""``ovis1_6``: Ovis1.6 (6 checkpoints, issue 14).

remote_code: Ovis from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'ovis1_6': {'name': 'Ovis1.6',
             'architecture': 'Ovis',
             'hf_model_type': 'ovis',
             'template': 'ovis1_6',
             'support': 'remote_code',
             'support_note': "Ovis from the checkpoint's own modeling code (--trust_remote_code true); swiftkit "
                             'has no media processor for it yet, so only text is encoded',
             'modalities': ['image'],
             'requires': ['transformers>=4.42']}}

# fmt: off
CHECKPOINTS = [
    ('ovis1_6', 'ovis1.6-gemma2-9b', 'AIDC-AI/Ovis1.6-Gemma2-9B', '=', 9.0, 8192, 'instruct'),
    ('ovis1_6', 'ovis1.6-gemma2-9b-gptq-int4', 'AIDC-AI/Ovis1.6-Gemma2-9B-GPTQ-Int4', '=', 9.0, 8192, 'instruct'),
    ('ovis1_6', 'ovis1.6-gemma2-27b', 'AIDC-AI/Ovis1.6-Gemma2-27B', '=', 27.0, 8192, 'instruct'),
    ('ovis1_6', 'ovis1.6-llama3.2-3b', 'AIDC-AI/Ovis1.6-Llama3.2-3B', '=', 3.0, 8192, 'instruct', {'template': 'ovis1_6_llama3', 'requires': []}),
    ('ovis1_6', 'ovis1.5-llama3-8b', None, 'AIDC-AI/Ovis1.5-Llama3-8B', 8.0, 8192, 'instruct', {'template': 'ovis1_6_llama3'}),
    ('ovis1_6', 'ovis1.5-gemma2-9b', None, 'AIDC-AI/Ovis1.5-Gemma2-9B', 9.0, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
