"""``cogagent_chat``: CogAgent-Chat (1 checkpoints, issue 14).

unsupported: CogAgentForCausalLM from the checkpoint's own modeling code needs transformers<4.42 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'cogagent_chat': {'name': 'CogAgent-Chat',
                   'architecture': 'CogAgentForCausalLM',
                   'hf_model_type': 'cogagent',
                   'template': 'cogagent_chat',
                   'support': 'unsupported',
                   'support_note': "CogAgentForCausalLM from the checkpoint's own modeling code needs "
                                   "transformers<4.42 (ms-swift's requirement); swiftkit pins transformers 5.19",
                   'modalities': ['image'],
                   'requires': ['transformers<4.42', 'timm']}}

# fmt: off
CHECKPOINTS = [
    ('cogagent_chat', 'cogagent-chat-hf', 'ZhipuAI/cogagent-chat', 'zai-org/cogagent-chat-hf', 18, 2048, 'chat'),
]
# fmt: on
SHAPES: dict = {}
