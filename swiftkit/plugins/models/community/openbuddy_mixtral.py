"""The ``openbuddy_mixtral`` family: OpenBuddy's chat fine-tune of Mixtral-8x7B.

``MixtralForCausalLM`` (8 experts, 2 per token); tiny config from the Mixtral loader. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "openbuddy_mixtral": {
        "name": "OpenBuddy (Mixtral architecture)",
        "architecture": "MixtralForCausalLM",
        "hf_model_type": "mixtral",
        "template": "openbuddy",
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
    ("openbuddy_mixtral", "openbuddy-mixtral-7bx8-v18.1-32k", "OpenBuddy/openbuddy-mixtral-7bx8-v18.1-32k", "=", 46.7, 32768, "instruct", "moe"),
]
# fmt: on
SHAPES: dict = {}
