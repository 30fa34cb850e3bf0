"""``deepseek_v2``: DeepSeek-V2, V2.5 and Coder-V2 (multi-head latent attention, DeepSeekMoE).

Native in transformers (``DeepseekV2ForCausalLM``): the checkpoints still ship their own
``modeling_deepseek.py``, which swiftkit does not run. The Lite models have no query
compression (``q_lora_rank`` null), the 236B ones do. Context: ``max_position_embeddings``
(163840, YaRN). Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "deepseek_v2": {
        "name": "DeepSeek-V2",
        "architecture": "DeepseekV2ForCausalLM",
        "hf_model_type": "deepseek_v2",
        "template": "deepseek",
        "decoder_layer_cls": "DeepseekV2DecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        # (the Lite models project queries directly: q_proj, see _LITE)
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.deepseek.loader:DeepseekV2Loader",
        "support": "tested",
        "support_note": "DeepseekV2ForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.39.3"],
    },
}

_V25 = {"template": "deepseek_v2_5"}
#: the Lite models have no query compression (q_lora_rank null)
_LITE = {"lora_target_modules": ["q_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"]}

# fmt: off
CHECKPOINTS = [
    ("deepseek_v2", "deepseek-coder-v2-instruct", "deepseek-ai/DeepSeek-Coder-V2-Instruct", "=", 236, 163840, "instruct", "code", "moe", LC),
    ("deepseek_v2", "deepseek-coder-v2-lite-instruct", "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct", "=", 15.7, 163840, "instruct", "code", "moe", LC, _LITE),
    ("deepseek_v2", "deepseek-coder-v2-base", "deepseek-ai/DeepSeek-Coder-V2-Base", "=", 236, 163840, "base", "code", "moe", LC),
    ("deepseek_v2", "deepseek-coder-v2-lite-base", "deepseek-ai/DeepSeek-Coder-V2-Lite-Base", "=", 15.7, 163840, "base", "code", "moe", LC, _LITE),
    ("deepseek_v2", "deepseek-v2-lite", "deepseek-ai/DeepSeek-V2-Lite", "=", 15.7, 163840, "base", "moe", LC, _LITE),
    ("deepseek_v2", "deepseek-v2-lite-chat", "deepseek-ai/DeepSeek-V2-Lite-Chat", "=", 15.7, 163840, "chat", "moe", LC, _LITE),
    ("deepseek_v2", "deepseek-v2", "deepseek-ai/DeepSeek-V2", "=", 236, 163840, "base", "moe", LC),
    ("deepseek_v2", "deepseek-v2-chat", "deepseek-ai/DeepSeek-V2-Chat", "=", 236, 163840, "chat", "moe", LC),
    ("deepseek_v2", "deepseek-v2.5", "deepseek-ai/DeepSeek-V2.5", "=", 236, 163840, "instruct", "code", "moe", LC, _V25),
    ("deepseek_v2", "deepseek-v2.5-1210", "deepseek-ai/DeepSeek-V2.5-1210", "=", 236, 163840, "instruct", "code", "moe", LC, _V25),
]
# fmt: on
SHAPES: dict = {}
