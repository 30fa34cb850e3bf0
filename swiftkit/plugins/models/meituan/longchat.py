"""LongCat-Flash-Chat (ms-swift model type ``longchat``): Meituan's 560B mixture-of-experts
model whose router may pick zero-computation (identity) experts, so that 18.6B-31.3B
parameters are active per token; multi-head latent attention, 128K context; bf16 and FP8.

The listing pins ``transformers>=4.54,<4.56`` for the checkpoint's own code; transformers 5.19
ships the class natively (``LongcatFlashForCausalLM``, model type ``longcat_flash``, documented
with this checkpoint), and the native class is what swiftkit loads and tests.
"""

from __future__ import annotations

FAMILIES = {
    "longchat": {
        "name": "LongCat-Flash",
        "architecture": "LongcatFlashForCausalLM",
        "hf_model_type": "longcat_flash",
        "template": "longchat",
        "decoder_layer_cls": "LongcatFlashDecoderLayer",
        # MLA projections and the dense MLPs (routed experts are fused 3-D parameters)
        "lora_target_modules": [
            "q_a_proj",
            "q_b_proj",
            "kv_a_proj_with_mqa",
            "kv_b_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ],
        "loader": "swiftkit.plugins.models.meituan.loader:LongcatFlashLoader",
        "support": "tested",
        "support_note": "LongcatFlashForCausalLM is native in transformers 5.19 (the listing's <4.56 pin is for the "
        "checkpoint's own code); a tiny model (MLA, 4 routed + 2 zero-computation experts, top-2) passes "
        "the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("longchat", "longcat-flash-chat", "meituan-longcat/LongCat-Flash-Chat", "=", 560.0, 131072, "chat", "moe",
     "long-context"),
    ("longchat", "longcat-flash-chat-fp8", "meituan-longcat/LongCat-Flash-Chat-FP8", "=", 560.0, 131072, "chat",
     "moe", "long-context"),
]
# fmt: on
