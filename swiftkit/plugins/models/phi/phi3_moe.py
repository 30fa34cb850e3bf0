"""The ``phi3_moe`` family (Microsoft): Phi-3.5-MoE-instruct, 16 experts of 3.8B, 2 per token.

transformers' ``PhimoeForCausalLM`` (``model_type: phimoe``; the checkpoint's config names its
remote-code twin ``PhiMoEForCausalLM``, which transformers maps to the native class). Experts
are fused 3-D parameters, so LoRA targets the attention projections. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "phi3_moe": {
        "name": "Phi-3.5-MoE",
        "architecture": "PhimoeForCausalLM",
        "hf_model_type": "phimoe",
        "template": "phi3",
        "decoder_layer_cls": "PhimoeDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.phi.loader:PhimoeLoader",
        "support": "tested",
        "support_note": "PhimoeForCausalLM, native in transformers; tiny 4-expert model through the family test matrix",
        "requires": ["transformers>=4.46"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("phi3_moe", "phi3.5-moe-instruct", "LLM-Research/Phi-3.5-MoE-instruct", "microsoft/Phi-3.5-MoE-instruct", 41.87, 131072, "instruct", "moe", "long-context"),
]
# fmt: on
SHAPES: dict = {}
