"""``qwen3_asr``: Qwen3-ASR (2 checkpoints, issue 14).

unsupported: Qwen3ASRForConditionalGeneration is native in transformers 5.19, but swiftkit has no media processor for qwen3_asr yet (its template renders text only).
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen3_asr': {'name': 'Qwen3-ASR',
               'architecture': 'Qwen3ASRForConditionalGeneration',
               'hf_model_type': 'qwen3_asr',
               'template': 'qwen3_asr',
               'support': 'unsupported',
               'support_note': 'Qwen3ASRForConditionalGeneration is native in transformers 5.19, but swiftkit has '
                               'no media processor for qwen3_asr yet (its template renders text only)',
               'modalities': ['audio'],
               'requires': ['qwen-asr', 'transformers==4.57.6']}}

# fmt: off
CHECKPOINTS = [
    ('qwen3_asr', 'qwen3-asr-1.7b', 'Qwen/Qwen3-ASR-1.7B', '=', 1.7, 65536, 'instruct'),
    ('qwen3_asr', 'qwen3-asr-0.6b', 'Qwen/Qwen3-ASR-0.6B', '=', 0.6, 65536, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
