"""``glm4_moe``: GLM-4.5, GLM-4.5-Air, GLM-4.6 and GLM-4.7 (hybrid-reasoning MoE: 128/160 routed
experts, a shared expert, the first layers dense, optional q/k norm).

Native in transformers (``Glm4MoeForCausalLM``). Parameters as the model cards state them (355B
with 32B active; Air 106B with 12B active). Context: ``max_position_embeddings`` (131072 for
4.5, 202752 from 4.6). Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "glm4_moe": {
        "name": "GLM-4.5",
        "architecture": "Glm4MoeForCausalLM",
        "hf_model_type": "glm4_moe",
        "template": "glm4_5",
        "decoder_layer_cls": "Glm4MoeDecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.zhipu.loader:Glm4MoeLoader",
        "support": "tested",
        "support_note": "Glm4MoeForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.54"],
    },
}

_47 = {"template": "glm4_7"}

# fmt: off
CHECKPOINTS = [
    ("glm4_moe", "glm-4.5-air-base", "ZhipuAI/GLM-4.5-Air-Base", "zai-org/GLM-4.5-Air-Base", 106, 131072, "base", "moe", LC),
    ("glm4_moe", "glm-4.5-air", "ZhipuAI/GLM-4.5-Air", "zai-org/GLM-4.5-Air", 106, 131072, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.5-air-fp8", "ZhipuAI/GLM-4.5-Air-FP8", "zai-org/GLM-4.5-Air-FP8", 106, 131072, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.5-base", "ZhipuAI/GLM-4.5-Base", "zai-org/GLM-4.5-Base", 355, 131072, "base", "moe", LC),
    ("glm4_moe", "glm-4.5", "ZhipuAI/GLM-4.5", "zai-org/GLM-4.5", 355, 131072, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.5-fp8", "ZhipuAI/GLM-4.5-FP8", "zai-org/GLM-4.5-FP8", 355, 131072, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.6", "ZhipuAI/GLM-4.6", "zai-org/GLM-4.6", 355, 202752, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.6-fp8", "ZhipuAI/GLM-4.6-FP8", "zai-org/GLM-4.6-FP8", 355, 202752, "instruct", "thinking", "moe", LC),
    ("glm4_moe", "glm-4.7", "ZhipuAI/GLM-4.7", "zai-org/GLM-4.7", 355, 202752, "instruct", "thinking", "moe", LC, _47),
    ("glm4_moe", "glm-4.7-fp8", "ZhipuAI/GLM-4.7-FP8", "zai-org/GLM-4.7-FP8", 355, 202752, "instruct", "thinking", "moe", LC, _47),
]
# fmt: on
SHAPES: dict = {}
