"""``deepseek_v4``: DeepSeek-V4 Flash and Pro (compressed sparse / heavily compressed attention,
hash-routed first MoE layers, manifold-constrained hyper-connections, 1M-token context).

Native in transformers (``DeepseekV4ForCausalLM``). Flash: 284B parameters, counted from the
architecture's default config (that of DeepSeek-V4-Flash-Base); Pro: 1.6T as DeepSeek announced
it (no config at hand to count). Context: ``max_position_embeddings`` 1048576. Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "deepseek_v4": {
        "name": "DeepSeek-V4",
        "architecture": "DeepseekV4ForCausalLM",
        "hf_model_type": "deepseek_v4",
        "template": "deepseek_v4",
        "decoder_layer_cls": "DeepseekV4DecoderLayer",
        # attention (low-rank q, shared kv, the output projection after the grouped one) and the shared
        # expert; o_a_proj is a grouped block linear that LoRA cannot wrap
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_proj", "o_b_proj",
                                "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.deepseek.loader:DeepseekV4Loader",
        "support": "tested",
        "support_note": "DeepseekV4ForCausalLM, native in transformers 5.19; LoRA 'all-linear' must leave out the "
        "grouped output projection o_a_proj (DeepseekV4GroupedLinear), which the registered targets do",
    },
}

# fmt: off
CHECKPOINTS = [
    ("deepseek_v4", "deepseek-v4-flash", "deepseek-ai/DeepSeek-V4-Flash", "=", 284, 1048576, "instruct", "thinking", "moe", LC),
    ("deepseek_v4", "deepseek-v4-flash-base", "deepseek-ai/DeepSeek-V4-Flash-Base", "=", 284, 1048576, "base", "moe", LC),
    ("deepseek_v4", "deepseek-v4-pro", "deepseek-ai/DeepSeek-V4-Pro", "=", 1600, 1048576, "instruct", "thinking", "moe", LC),
    ("deepseek_v4", "deepseek-v4-pro-base", "deepseek-ai/DeepSeek-V4-Pro-Base", "=", 1600, 1048576, "base", "moe", LC),
    ("deepseek_v4", "deepseek-v4-flash-0731", "deepseek-ai/DeepSeek-V4-Flash-0731", "=", 284, 1048576, "instruct", "thinking", "moe", LC,
     {"template": "deepseek_v4_flash"}),
]
# fmt: on
SHAPES: dict = {}
