"""The ``devstral`` family (Mistral AI x All Hands): Devstral-Small-2505, an agentic coding model.

``MistralForCausalLM`` (Mistral-Small-3.1 text weights). Its tokenizer ships as Mistral's
``tekken.json`` only, which transformers reads through the ``mistral-common`` package
(``mistral-common>=1.5.5``, the listing's requirement; installed here). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "devstral": {
        "name": "Devstral",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "devstral",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.mistral.loader:MistralNemoLoader",
        "support": "tested",
        "support_note": "MistralForCausalLM (head_dim 128 != hidden/heads), native in transformers; tiny model "
        "through the family test matrix. The real tokenizer is tekken.json: needs mistral-common>=1.5.5",
        "requires": ["transformers>=4.43", "mistral-common>=1.5.5"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("devstral", "devstral-small-2505", "mistralai/Devstral-Small-2505", "=", 23.57, 131072, "instruct", "code", "long-context"),
]
# fmt: on
SHAPES = {"devstral-small-2505": model_shape(5120, 40, 32, 8, 32768, 131072, tied=False, head_dim=128)}
