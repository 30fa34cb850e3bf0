"""The ``wizardlm2`` family (Microsoft WizardLM-2): WizardLM-2-7B, as the listing's AWQ build.

``MistralForCausalLM`` (a Mistral-7B fine-tune); the tiny config is the Mistral loader's. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "wizardlm2": {
        "name": "WizardLM-2",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "wizardlm2",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.mistral.loader:MistralLoader",
        "support": "tested",
        "support_note": "MistralForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.34"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("wizardlm2", "wizardlm-2-7b-awq", "AI-ModelScope/WizardLM-2-7B-AWQ", "MaziyarPanahi/WizardLM-2-7B-AWQ", 7.24, 32768, "instruct"),
]
# fmt: on
SHAPES: dict = {}
