"""``chatglm4v``: GLM-4V (ChatGLM) (2 checkpoints, issue 14).

unsupported: ChatGLMForConditionalGeneration from the checkpoint's own modeling code needs transformers>=4.42,<4.45 (ms-swift's requirement); swiftkit pins transformers 5.19.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'chatglm4v': {'name': 'GLM-4V (ChatGLM)',
               'architecture': 'ChatGLMForConditionalGeneration',
               'hf_model_type': 'chatglm',
               'template': 'chatglm4v',
               'support': 'unsupported',
               'support_note': "ChatGLMForConditionalGeneration from the checkpoint's own modeling code needs "
                               "transformers>=4.42,<4.45 (ms-swift's requirement); swiftkit pins transformers 5.19",
               'modalities': ['image'],
               'requires': ['transformers>=4.42,<4.45']}}

# fmt: off
CHECKPOINTS = [
    ('chatglm4v', 'glm-4v-9b', 'ZhipuAI/glm-4v-9b', 'zai-org/glm-4v-9b', 13.9, 8192, 'instruct'),
    ('chatglm4v', 'cogagent-9b-20241220', 'ZhipuAI/cogagent-9b-20241220', 'zai-org/cogagent-9b-20241220', 13.9, 8192, 'instruct', {'support': 'remote_code', 'support_note': "ChatGLMForConditionalGeneration from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded", 'requires': ['transformers>=4.42']}),
]
# fmt: on
SHAPES: dict = {}
