"""``cogvlm2``: CogVLM2 (3 checkpoints, issue 14).

unsupported: CogVLMForCausalLM from the checkpoint's own modeling code needs transformers<4.42 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'cogvlm2': {'name': 'CogVLM2',
             'architecture': 'CogVLMForCausalLM',
             'hf_model_type': 'cogvlm2',
             'template': 'cogvlm2',
             'support': 'unsupported',
             'support_note': "CogVLMForCausalLM from the checkpoint's own modeling code needs transformers<4.42 "
                             "(ms-swift's requirement); swiftkit pins transformers 5.19",
             'modalities': ['image'],
             'requires': ['transformers<4.42']}}

# fmt: off
CHECKPOINTS = [
    ('cogvlm2', 'cogvlm2-llama3-chat-19b', 'ZhipuAI/cogvlm2-llama3-chat-19B', 'zai-org/cogvlm2-llama3-chat-19B', 19.0, 8192, 'chat'),
    ('cogvlm2', 'cogvlm2-llama3-chinese-chat-19b', 'ZhipuAI/cogvlm2-llama3-chinese-chat-19B', 'zai-org/cogvlm2-llama3-chinese-chat-19B', 19.0, 8192, 'chat'),
    ('cogvlm2', 'cogvlm2-llama3-chat-19b-int4', None, 'zai-org/cogvlm2-llama3-chat-19B-int4', 19.0, 8192, 'chat', {'quant_method': 'bnb', 'quant_bits': 4}),
]
# fmt: on
SHAPES: dict = {}
