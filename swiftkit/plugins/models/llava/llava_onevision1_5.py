"""``llava_onevision1_5``: LLaVA-OneVision-1.5 (4 checkpoints, issue 14).

remote_code: LLaVAOneVision1_5_ForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs qwen_vl_utils; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'llava_onevision1_5': {'name': 'LLaVA-OneVision-1.5',
                        'architecture': 'LLaVAOneVision1_5_ForConditionalGeneration',
                        'hf_model_type': 'llavaonevision1_5',
                        'template': 'llava_onevision1_5',
                        'support': 'remote_code',
                        'support_note': "LLaVAOneVision1_5_ForConditionalGeneration from the checkpoint's own "
                                        'modeling code (--trust_remote_code true); ms-swift also needs '
                                        'qwen_vl_utils; swiftkit has no media processor for it yet, so only text '
                                        'is encoded',
                        'modalities': ['image'],
                        'requires': ['transformers>=4.53.0', 'qwen_vl_utils']}}

# fmt: off
CHECKPOINTS = [
    ('llava_onevision1_5', 'llava-onevision-1.5-4b-instruct', 'lmms-lab/LLaVA-OneVision-1.5-4B-Instruct', '=', 4.0, 32768, 'instruct'),
    ('llava_onevision1_5', 'llava-onevision-1.5-8b-instruct', 'lmms-lab/LLaVA-OneVision-1.5-8B-Instruct', '=', 8.0, 32768, 'instruct'),
    ('llava_onevision1_5', 'llava-onevision-1.5-4b-base', 'lmms-lab/LLaVA-OneVision-1.5-4B-Base', '=', 4.0, 32768, 'base'),
    ('llava_onevision1_5', 'llava-onevision-1.5-8b-base', 'lmms-lab/LLaVA-OneVision-1.5-8B-Base', '=', 8.0, 32768, 'base'),
]
# fmt: on
SHAPES: dict = {}
