"""XVERSE-MoE-A4.2B (ms-swift model type ``xverse_moe``): 25.8B-parameter mixture-of-experts
model with 4.2B active, 8K context.

Custom code only: ``XverseForCausalLM`` from the checkpoint's ``modeling_xverse.py`` (its MoE
variant).
"""

from __future__ import annotations

FAMILIES = {
    "xverse_moe": {
        "name": "XVERSE-MoE",
        "architecture": "XverseForCausalLM",
        "hf_model_type": "xverse",
        "template": "xverse",
        "decoder_layer_cls": "XverseDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "support": "remote_code",
        "support_note": "XverseForCausalLM (MoE) from the checkpoint's modeling_xverse.py (not in transformers 5.19)",
    },
}

CHECKPOINTS = [
    ("xverse_moe", "xverse-moe-a4.2b", "xverse/XVERSE-MoE-A4.2B", "=", 25.8, 8192, "base", "moe"),
]
