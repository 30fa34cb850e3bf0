"""``glm4``: GLM-4-0414 (GLM-4-9B/32B, the GLM-Z1 reasoning models and Z1-Rumination).

Native in transformers (``Glm4ForCausalLM``: grouped-query attention with q/k/v biases, partial
rotary, a fused gate/up projection, extra post-attention and post-MLP norms). Context:
``max_position_embeddings`` (32768; YaRN extends it). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "glm4": {
        "name": "GLM-4-0414",
        "architecture": "Glm4ForCausalLM",
        "hf_model_type": "glm4",
        "template": "glm4",
        "decoder_layer_cls": "Glm4DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.zhipu.loader:Glm4Loader",
        "support": "tested",
        "support_note": "Glm4ForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.51"],
    },
}

_Z1 = ("reasoning", "thinking")

# fmt: off
CHECKPOINTS = [
    ("glm4", "glm-4-9b-0414", "ZhipuAI/GLM-4-9B-0414", "zai-org/GLM-4-9B-0414", 9.4, 32768, "instruct"),
    ("glm4", "glm-4-32b-0414", "ZhipuAI/GLM-4-32B-0414", "zai-org/GLM-4-32B-0414", 32.57, 32768, "instruct"),
    ("glm4", "glm-4-32b-base-0414", "ZhipuAI/GLM-4-32B-Base-0414", "zai-org/GLM-4-32B-Base-0414", 32.57, 32768, "base"),
    ("glm4", "glm-z1-9b-0414", "ZhipuAI/GLM-Z1-9B-0414", "zai-org/GLM-Z1-9B-0414", 9.4, 32768, "instruct", *_Z1),
    ("glm4", "glm-z1-32b-0414", "ZhipuAI/GLM-Z1-32B-0414", "zai-org/GLM-Z1-32B-0414", 32.57, 32768, "instruct", *_Z1),
    ("glm4", "glm-z1-rumination-32b-0414", "ZhipuAI/GLM-Z1-Rumination-32B-0414", "zai-org/GLM-Z1-Rumination-32B-0414", 32.57, 32768,
     "instruct", *_Z1, {"template": "glm4_z1_rumination"}),
]

# public config.json sizes (hidden, layers, heads, kv heads, intermediate, vocab; head_dim 128, q/k/v biases)
_9B = model_shape(4096, 40, 32, 2, 13696, 151552, tied=False, head_dim=128, attention_bias=True)
_32B = model_shape(6144, 61, 48, 2, 23040, 151552, tied=False, head_dim=128, attention_bias=True)
# fmt: on
SHAPES = {row[1]: _9B if row[4] < 10 else _32B for row in CHECKPOINTS}
