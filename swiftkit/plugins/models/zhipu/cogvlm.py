"""``cogvlm``: CogVLM (2 checkpoints, issue 14).

unsupported: CogVLMForCausalLM from the checkpoint's own modeling code needs transformers<4.42 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'cogvlm': {'name': 'CogVLM',
            'architecture': 'CogVLMForCausalLM',
            'hf_model_type': 'cogvlm',
            'template': 'cogvlm',
            'support': 'unsupported',
            'support_note': "CogVLMForCausalLM from the checkpoint's own modeling code needs transformers<4.42 "
                            "(ms-swift's requirement); swiftkit pins transformers 5.19",
            'modalities': ['image'],
            'requires': ['transformers<4.42']}}

# fmt: off
CHECKPOINTS = [
    ('cogvlm', 'cogvlm-chat-hf', 'ZhipuAI/cogvlm-chat', 'zai-org/cogvlm-chat-hf', 17, 2048, 'chat'),
    ('cogvlm', 'cogvlm-grounding-generalist-hf', None, 'THUDM/cogvlm-grounding-generalist-hf', 17, 2048, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
