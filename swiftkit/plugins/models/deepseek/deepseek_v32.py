"""``deepseek_v32``: DeepSeek-V3.2 (V3's architecture plus DeepSeek Sparse Attention: a lightning
indexer picks the keys each query attends to) and DeepSeek-Math-V2, built on V3.2-Exp-Base.

Native in transformers (``DeepseekV32ForCausalLM``). The weights are block-wise FP8. Parameters:
671.9B from the architecture's config (the multi-token-prediction layer left out, as for V3).
Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "deepseek_v32": {
        "name": "DeepSeek-V3.2",
        "architecture": "DeepseekV32ForCausalLM",
        "hf_model_type": "deepseek_v32",
        "template": "deepseek_v3_1",
        "decoder_layer_cls": "DeepseekV32DecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        # (the sparse-attention indexer, wq_b / wk / weights_proj, is left to full tuning)
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.deepseek.loader:DeepseekV32Loader",
        "support": "tested",
        "support_note": "DeepseekV32ForCausalLM, native in transformers 5.19",
    },
}

_FP8 = {"quant_method": "fp8", "quant_bits": 8}

# fmt: off
CHECKPOINTS = [
    ("deepseek_v32", "deepseek-v3.2", "deepseek-ai/DeepSeek-V3.2", "=", 671.9, 163840, "instruct", "thinking", "moe", LC, _FP8),
    ("deepseek_v32", "deepseek-v3.2-speciale", "deepseek-ai/DeepSeek-V3.2-Speciale", "=", 671.9, 163840, "instruct", "reasoning", "thinking", "moe", LC, _FP8),
    ("deepseek_v32", "deepseek-v3.2-exp", "deepseek-ai/DeepSeek-V3.2-Exp", "=", 671.9, 163840, "instruct", "thinking", "moe", LC, _FP8),
    ("deepseek_v32", "deepseek-v3.2-exp-base", "deepseek-ai/DeepSeek-V3.2-Exp-Base", "=", 671.9, 163840, "base", "moe", LC, _FP8),
    ("deepseek_v32", "deepseek-math-v2", "deepseek-ai/DeepSeek-Math-V2", "=", 671.9, 163840, "instruct", "math", "reasoning", "moe", LC, _FP8),
]
# fmt: on
SHAPES: dict = {}
