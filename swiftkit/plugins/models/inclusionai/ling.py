"""Ling 1.0 (ms-swift model type ``ling``): inclusionAI's mixture-of-experts models Ling-lite
(16.8B, 2.75B active) and Ling-plus (290B, 28.8B active), base and chat, 64K context.

Custom code only: ``BailingMoeForCausalLM`` from the checkpoint's ``modeling_bailing_moe.py``
(config model type ``bailing_moe``, not in transformers).
"""

from __future__ import annotations

FAMILIES = {
    "ling": {
        "name": "Ling",
        "architecture": "BailingMoeForCausalLM",
        "hf_model_type": "bailing_moe",
        "template": "ling",
        "decoder_layer_cls": "BailingMoeDecoderLayer",
        # fused query_key_value and dense output projections; experts' gate/up/down
        "lora_target_modules": ["query_key_value", "dense", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "BailingMoeForCausalLM from the checkpoint's modeling_bailing_moe.py (not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("ling", "ling-lite", "inclusionAI/Ling-lite", "=", 16.8, 65536, "instruct", "moe"),
    ("ling", "ling-plus", "inclusionAI/Ling-plus", "=", 290.0, 65536, "instruct", "moe"),
    ("ling", "ling-lite-base", "inclusionAI/Ling-lite-base", "=", 16.8, 65536, "base", "moe"),
    ("ling", "ling-plus-base", "inclusionAI/Ling-plus-base", "=", 290.0, 65536, "base", "moe"),
]
# fmt: on
