"""The ``mistral_2501`` family (Mistral AI): Mistral-Small-24B-2501 base and instruct.

``MistralForCausalLM``, 131072-token Tekken vocabulary, ``head_dim`` 128, 32K context. Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "mistral_2501": {
        "name": "Mistral Small 3 (2501)",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "mistral_2501",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.mistral.loader:MistralNemoLoader",
        "support": "tested",
        "support_note": "MistralForCausalLM with head_dim != hidden/heads, native in transformers; tiny model "
        "through the family test matrix",
        "requires": ["transformers>=4.43"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("mistral_2501", "mistral-small-24b-base-2501", "mistralai/Mistral-Small-24B-Base-2501", "=", 23.57, 32768, "base"),
    ("mistral_2501", "mistral-small-24b-instruct-2501", "mistralai/Mistral-Small-24B-Instruct-2501", "=", 23.57, 32768, "instruct"),
]
_SMALL3 = model_shape(5120, 40, 32, 8, 32768, 131072, tied=False, head_dim=128)
SHAPES = {"mistral-small-24b-base-2501": _SMALL3, "mistral-small-24b-instruct-2501": _SMALL3}
# fmt: on
