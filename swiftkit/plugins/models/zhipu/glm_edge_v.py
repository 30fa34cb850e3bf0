"""``glm_edge_v``: GLM-Edge-V (2 checkpoints, issue 14).

remote_code: GlmForCausalLM from the checkpoint's own modeling code (--trust_remote_code true); swiftkit has no media processor for it yet, so only text is encoded.
Parameters from the hub names (or the model cards where the name does not say); context as far as known
from the family's config. Data only.
"""

from __future__ import annotations

FAMILIES = {'glm_edge_v': {'name': 'GLM-Edge-V',
                'architecture': 'GlmForCausalLM',
                'hf_model_type': 'glm',
                'template': 'glm_edge_v',
                'support': 'remote_code',
                'support_note': "GlmForCausalLM from the checkpoint's own modeling code (--trust_remote_code "
                                'true); swiftkit has no media processor for it yet, so only text is encoded',
                'modalities': ['image'],
                'requires': ['transformers>=4.46']}}

# fmt: off
CHECKPOINTS = [
    ('glm_edge_v', 'glm-edge-v-2b', 'ZhipuAI/glm-edge-v-2b', 'zai-org/glm-edge-v-2b', 2.0, 8192, 'instruct'),
    ('glm_edge_v', 'glm-edge-v-5b', None, 'THUDM/glm-edge-v-5b', 5.0, 8192, 'instruct'),
]
# fmt: on
SHAPES: dict = {}
