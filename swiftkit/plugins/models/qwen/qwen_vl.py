"""``qwen_vl``: Qwen-VL (3 checkpoints, issue 14).

remote_code: QWenLMHeadModel from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen_vl': {'name': 'Qwen-VL',
             'architecture': 'QWenLMHeadModel',
             'hf_model_type': 'qwen',
             'template': 'qwen_vl',
             'support': 'remote_code',
             'support_note': "QWenLMHeadModel from the checkpoint's own modeling code (--trust_remote_code true); "
                             'swiftkit has no media processor for it yet, so only text is encoded',
             'modalities': ['image']}}

# fmt: off
CHECKPOINTS = [
    ('qwen_vl', 'qwen-vl-chat', 'Qwen/Qwen-VL-Chat', '=', 9.6, 2048, 'chat'),
    ('qwen_vl', 'qwen-vl', 'Qwen/Qwen-VL', '=', 9.6, 2048, 'base'),
    ('qwen_vl', 'qwen-vl-chat-int4', 'Qwen/Qwen-VL-Chat-Int4', '=', 9.6, 2048, 'chat', {'quant_method': 'gptq', 'quant_bits': 4}),
]
# fmt: on
SHAPES: dict = {}
