"""``glm4_moe_lite``: GLM-4.7-Flash (30B total, 3B active: multi-head latent attention and
64 routed experts, DeepSeek-V3 style). Native in transformers (``Glm4MoeLiteForCausalLM``; the
parameter count of its default config is 29.9B). Context: ``max_position_embeddings``. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "glm4_moe_lite": {
        "name": "GLM-4.7-Flash",
        "architecture": "Glm4MoeLiteForCausalLM",
        "hf_model_type": "glm4_moe_lite",
        "template": "glm4_7",
        "decoder_layer_cls": "Glm4MoeLiteDecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.zhipu.loader:Glm4MoeLiteLoader",
        "support": "tested",
        "support_note": "Glm4MoeLiteForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=5.0.0.dev"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("glm4_moe_lite", "glm-4.7-flash", "ZhipuAI/GLM-4.7-Flash", "zai-org/GLM-4.7-Flash", 30, 202752, "instruct", "thinking", "moe", "long-context"),
]
# fmt: on
SHAPES: dict = {}
