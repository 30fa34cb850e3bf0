"""``deepseek``: DeepSeek-MoE 16B (fine-grained experts plus shared experts, multi-head attention).

Its ``DeepseekForCausalLM`` exists only in the checkpoint's ``modeling_deepseek.py``: remote code.
Data only.
"""

from __future__ import annotations

FAMILIES = {
    "deepseek": {
        "name": "DeepSeek-MoE",
        "architecture": "DeepseekForCausalLM",
        "hf_model_type": "deepseek",
        "template": "deepseek",
        "decoder_layer_cls": "DeepseekDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "DeepseekForCausalLM from the checkpoint's modeling_deepseek.py (transformers has no "
        "model_type 'deepseek')",
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("deepseek", "deepseek-moe-16b-chat", "deepseek-ai/deepseek-moe-16b-chat", "=", 16.4, 4096, "chat", "moe"),
    ("deepseek", "deepseek-moe-16b-base", "deepseek-ai/deepseek-moe-16b-base", "=", 16.4, 4096, "base", "moe"),
]
# fmt: on
SHAPES: dict = {}
