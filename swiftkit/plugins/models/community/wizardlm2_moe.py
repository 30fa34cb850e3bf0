"""The ``wizardlm2_moe`` family (Microsoft WizardLM-2): WizardLM-2-8x22B, a Mixtral-8x22B fine-tune.

``MixtralForCausalLM``; tiny config (4 experts) from the Mixtral loader. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "wizardlm2_moe": {
        "name": "WizardLM-2 MoE",
        "architecture": "MixtralForCausalLM",
        "hf_model_type": "mixtral",
        "template": "wizardlm2_moe",
        "decoder_layer_cls": "MixtralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.mistral.loader:MixtralLoader",
        "support": "tested",
        "support_note": "MixtralForCausalLM, native in transformers; tiny 4-expert model through the family test matrix",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("wizardlm2_moe", "wizardlm-2-8x22b", "AI-ModelScope/WizardLM-2-8x22B", "alpindale/WizardLM-2-8x22B", 140.6, 65536, "instruct", "moe"),
]
# fmt: on
SHAPES: dict = {}
