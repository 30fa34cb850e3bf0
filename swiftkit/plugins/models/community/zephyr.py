"""The ``zephyr`` family (Hugging Face H4): Zephyr-7B-beta, a DPO-tuned Mistral-7B.

``MistralForCausalLM``; the tiny config (no sliding window) is the Mistral loader's. Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "zephyr": {
        "name": "Zephyr",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "zephyr",
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
    ("zephyr", "zephyr-7b-beta", "modelscope/zephyr-7b-beta", "HuggingFaceH4/zephyr-7b-beta", 7.24, 32768, "instruct"),
]
# fmt: on
SHAPES = {"zephyr-7b-beta": model_shape(4096, 32, 32, 8, 14336, 32000, tied=False)}
