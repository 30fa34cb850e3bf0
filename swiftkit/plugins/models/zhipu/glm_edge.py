"""``glm_edge``: GLM-Edge 1.5B and 4B chat models for phones and PCs.

Native in transformers as ``GlmForCausalLM`` (config.json ``model_type`` "glm"). Parameters from
the names; context 8192. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "glm_edge": {
        "name": "GLM-Edge",
        "architecture": "GlmForCausalLM",
        "hf_model_type": "glm",
        "template": "chatglm4",
        "decoder_layer_cls": "GlmDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.zhipu.loader:GlmEdgeLoader",
        "support": "tested",
        "support_note": "GlmForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.46"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("glm_edge", "glm-edge-1.5b-chat", "ZhipuAI/glm-edge-1.5b-chat", "zai-org/glm-edge-1.5b-chat", 1.5, 8192, "chat"),
    ("glm_edge", "glm-edge-4b-chat", "ZhipuAI/glm-edge-4b-chat", "zai-org/glm-edge-4b-chat", 4.0, 8192, "chat"),
]
# fmt: on
SHAPES: dict = {}
