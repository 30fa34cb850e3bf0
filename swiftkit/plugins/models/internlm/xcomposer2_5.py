"""``xcomposer2_5``: InternLM-XComposer2.5 (2 checkpoints, issue 14).

remote_code: InternLMXComposer2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs decord; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'xcomposer2_5': {'name': 'InternLM-XComposer2.5',
                  'architecture': 'InternLMXComposer2ForCausalLM',
                  'hf_model_type': 'internlmxcomposer2',
                  'template': 'xcomposer2_5',
                  'support': 'remote_code',
                  'support_note': "InternLMXComposer2ForCausalLM from the checkpoint's own modeling code "
                                  '(--trust_remote_code true); ms-swift also needs decord; swiftkit has no media '
                                  'processor for it yet, so only text is encoded',
                  'modalities': ['image'],
                  'requires': ['decord']}}

# fmt: off
CHECKPOINTS = [
    ('xcomposer2_5', 'internlm-xcomposer2d5-7b', 'Shanghai_AI_Laboratory/internlm-xcomposer2d5-7b', 'internlm/internlm-xcomposer2d5-7b', 7.0, 16384, 'instruct'),
    ('xcomposer2_5', 'internlm-xcomposer2d5-ol-7b-base', 'Shanghai_AI_Laboratory/internlm-xcomposer2d5-ol-7b:base', 'internlm/internlm-xcomposer2d5-ol-7b:base', 7, 16384, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
