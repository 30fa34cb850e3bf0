"""``qwen_audio``: Qwen-Audio (2 checkpoints, issue 14).

remote_code: QWenLMHeadModel from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'qwen_audio': {'name': 'Qwen-Audio',
                'architecture': 'QWenLMHeadModel',
                'hf_model_type': 'qwen',
                'template': 'qwen_audio',
                'support': 'remote_code',
                'support_note': "QWenLMHeadModel from the checkpoint's own modeling code (--trust_remote_code "
                                'true); swiftkit has no media processor for it yet, so only text is encoded',
                'modalities': ['audio']}}

# fmt: off
CHECKPOINTS = [
    ('qwen_audio', 'qwen-audio-chat', 'Qwen/Qwen-Audio-Chat', '=', 8.4, 2048, 'chat'),
    ('qwen_audio', 'qwen-audio', 'Qwen/Qwen-Audio', '=', 8.4, 2048, 'base'),
]
# fmt: on
SHAPES: dict = {}
