"""``glm_moe_dsa``: GLM-5, 5.1 and 5.2 (multi-head latent attention with DeepSeek sparse
attention's indexer, 256 routed experts, the first 3 layers dense).

Native in transformers (``GlmMoeDsaForCausalLM``). Parameters: 744B, the count of the
architecture's default config (GLM-5's); 5.1 and 5.2 share the architecture and are assumed the
same size. Context: ``max_position_embeddings`` 202752. Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "glm_moe_dsa": {
        "name": "GLM-5",
        "architecture": "GlmMoeDsaForCausalLM",
        "hf_model_type": "glm_moe_dsa",
        "template": "glm4_7",
        "decoder_layer_cls": "GlmMoeDsaDecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        # (the sparse-attention indexer, wq_b / wk / weights_proj, is left to full tuning)
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.zhipu.loader:GlmMoeDsaLoader",
        "support": "tested",
        "support_note": "GlmMoeDsaForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=5.2.0"],
    },
}

_51 = {"template": "glm5_1"}
_52 = {"template": "glm5_2"}

# fmt: off
CHECKPOINTS = [
    ("glm_moe_dsa", "glm-5", "ZhipuAI/GLM-5", "zai-org/GLM-5", 744, 202752, "instruct", "thinking", "moe", LC),
    ("glm_moe_dsa", "glm-5.1", "ZhipuAI/GLM-5.1", "zai-org/GLM-5.1", 744, 202752, "instruct", "thinking", "moe", LC, _51),
    ("glm_moe_dsa", "glm-5.1-fp8", "ZhipuAI/GLM-5.1-FP8", "=", 744, 202752, "instruct", "thinking", "moe", LC, _51),
    ("glm_moe_dsa", "glm-5.2", "ZhipuAI/GLM-5.2", "=", 744, 202752, "instruct", "thinking", "moe", LC, _52),
    ("glm_moe_dsa", "glm-5.2-fp8", "ZhipuAI/GLM-5.2-FP8", "=", 744, 202752, "instruct", "thinking", "moe", LC, _52),
]
# fmt: on
SHAPES: dict = {}
