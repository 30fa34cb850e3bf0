"""The ``olmoe`` family (Allen AI): OLMoE-1B-7B (0924 and 0125 releases), 64 experts, 8 per token.

``OlmoeForCausalLM`` (q/k norms, experts as fused 3-D parameters: LoRA targets the attention
projections); the 0924 checkpoints use ms-swift's ``olmoe_0924`` template. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "olmoe": {
        "name": "OLMoE",
        "architecture": "OlmoeForCausalLM",
        "hf_model_type": "olmoe",
        "template": "olmoe",
        "decoder_layer_cls": "OlmoeDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.allenai.loader:OlmoeLoader",
        "support": "tested",
        "support_note": "OlmoeForCausalLM, native in transformers; tiny 4-expert model through the family test matrix",
        "requires": ["transformers>=4.45"],
    },
}

O0924 = {"template": "olmoe_0924"}
# fmt: off
CHECKPOINTS = [
    ("olmoe", "olmoe-1b-7b-0125", "allenai/OLMoE-1B-7B-0125", "=", 6.92, 4096, "base", "moe"),
    ("olmoe", "olmoe-1b-7b-0125-instruct", "allenai/OLMoE-1B-7B-0125-Instruct", "=", 6.92, 4096, "instruct", "moe"),
    ("olmoe", "olmoe-1b-7b-0924", "allenai/OLMoE-1B-7B-0924", "=", 6.92, 4096, "base", "moe", O0924),
    ("olmoe", "olmoe-1b-7b-0924-instruct", "allenai/OLMoE-1B-7B-0924-Instruct", "=", 6.92, 4096, "instruct", "moe", O0924),
    ("olmoe", "olmoe-1b-7b-0924-sft", "allenai/OLMoE-1B-7B-0924-SFT", "=", 6.92, 4096, "instruct", "moe", O0924),
]
# fmt: on
SHAPES: dict = {}
