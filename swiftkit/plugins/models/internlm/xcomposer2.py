"""``xcomposer2``: InternLM-XComposer2 (3 checkpoints, issue 14).

remote_code: InternLMXComposer2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'xcomposer2': {'name': 'InternLM-XComposer2',
                'architecture': 'InternLMXComposer2ForCausalLM',
                'hf_model_type': 'internlmxcomposer2',
                'template': 'ixcomposer2',
                'support': 'remote_code',
                'support_note': "InternLMXComposer2ForCausalLM from the checkpoint's own modeling code "
                                '(--trust_remote_code true); swiftkit has no media processor for it yet, so only '
                                'text is encoded',
                'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('xcomposer2', 'internlm-xcomposer2-7b', 'Shanghai_AI_Laboratory/internlm-xcomposer2-7b', 'internlm/internlm-xcomposer2-7b', 7.0, 4096, 'instruct'),
    ('xcomposer2', 'internlm-xcomposer2-vl-7b', None, 'internlm/internlm-xcomposer2-vl-7b', 7.0, 4096, 'instruct'),
    ('xcomposer2', 'internlm-xcomposer2-vl-1_8b', None, 'internlm/internlm-xcomposer2-vl-1_8b', 1.8, 4096, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
