"""``xcomposer2_5_ol_audio``: InternLM-XComposer2.5-OL (audio) (1 checkpoints, issue 14).

unsupported: Qwen2AudioForConditionalGeneration is native in transformers 5.19, but these weights sit in the audio/ subfolder of the repository, which swiftkit's loader does not resolve.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'xcomposer2_5_ol_audio': {'name': 'InternLM-XComposer2.5-OL (audio)',
                           'architecture': 'Qwen2AudioForConditionalGeneration',
                           'hf_model_type': 'qwen2_audio',
                           'template': 'qwen2_audio',
                           'support': 'unsupported',
                           'support_note': 'Qwen2AudioForConditionalGeneration is native in transformers 5.19, but '
                                           'these weights sit in the audio/ subfolder of the repository, which '
                                           "swiftkit's loader does not resolve",
                           'modalities': ['audio'],
                           'requires': ['transformers>=4.45']}}

# fmt: off
CHECKPOINTS = [
    ('xcomposer2_5_ol_audio', 'internlm-xcomposer2d5-ol-7b-audio', 'Shanghai_AI_Laboratory/internlm-xcomposer2d5-ol-7b:audio', 'internlm/internlm-xcomposer2d5-ol-7b:audio', 8.4, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
