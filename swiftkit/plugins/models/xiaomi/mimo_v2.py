"""``mimo_v2``: MiMo-V2.5 (1 checkpoints, issue 14).

remote_code: MiMoV2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); ms-swift also needs qwen_vl_utils>0.0.6, decord, torchaudio; swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'mimo_v2': {'name': 'MiMo-V2.5',
             'architecture': 'MiMoV2ForCausalLM',
             'hf_model_type': 'mimo_v2',
             'template': 'mimo_v2',
             'support': 'remote_code',
             'support_note': "MiMoV2ForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                             'true); ms-swift also needs qwen_vl_utils>0.0.6, decord, torchaudio; swiftkit has no '
                             'media processor for it yet, so only text is encoded',
             'modalities': ['image', 'video', 'audio'],
             'requires': ['transformers>=4.57', 'qwen_vl_utils>0.0.6', 'decord', 'torchaudio']}}

# fmt: off
CHECKPOINTS = [
    ('mimo_v2', 'mimo-v2.5', 'XiaomiMiMo/MiMo-V2.5', '=', 310, 131072, 'instruct', 'moe'),
]
# fmt: on
SHAPES: dict = {}
