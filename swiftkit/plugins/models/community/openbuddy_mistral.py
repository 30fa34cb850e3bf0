"""The ``openbuddy_mistral`` family: OpenBuddy's chat fine-tunes of Mistral-7B and Zephyr-7B.

``MistralForCausalLM``; the tiny config (no sliding window) is the Mistral loader's. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "openbuddy_mistral": {
        "name": "OpenBuddy (Mistral architecture)",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "openbuddy",
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
    ("openbuddy_mistral", "openbuddy-mistral-7b-v17.1-32k", "OpenBuddy/openbuddy-mistral-7b-v17.1-32k", "=", 7.24, 32768, "instruct"),
    ("openbuddy_mistral", "openbuddy-zephyr-7b-v14.1", "OpenBuddy/openbuddy-zephyr-7b-v14.1", "=", 7.24, 32768, "instruct"),
]
# fmt: on
SHAPES: dict = {}
