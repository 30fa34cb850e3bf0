"""Phi-3 model family (Microsoft): Phi-3 mini/medium, Phi-3.5-mini and Phi-4-mini.

All are ``Phi3ForCausalLM`` (fused ``qkv_proj`` and ``gate_up_proj``, so the LoRA targets
differ from Llama's). Light registration module: it imports nothing but ``swiftkit.core``;
Phi-3 needs no tiny-config tweaks and uses the default loader.
Hub ids are those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs

SWIFTKIT_PLUGIN_API = "1.2"

_LORA = ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]

#: family -> what every checkpoint of the family shares
_FAMILIES = {
    "phi3": {
        "name": "Phi-3",
        "architecture": "Phi3ForCausalLM",
        "hf_model_type": "phi3",
        "template": "phi3",
        "decoder_layer_cls": "Phi3DecoderLayer",
        "lora_target_modules": _LORA,
        "requires": ["transformers>=4.36"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags
# fmt: off
_CHECKPOINTS = [
    ("phi3", "phi3-mini-4k-instruct", "LLM-Research/Phi-3-mini-4k-instruct", "microsoft/Phi-3-mini-4k-instruct", 3.82, 4096, "instruct"),
    ("phi3", "phi3-mini-128k-instruct", "LLM-Research/Phi-3-mini-128k-instruct", "microsoft/Phi-3-mini-128k-instruct", 3.82, 131072, "instruct"),
    ("phi3", "phi3-medium-4k-instruct", "LLM-Research/Phi-3-medium-4k-instruct", "microsoft/Phi-3-medium-4k-instruct", 13.96, 4096, "instruct"),
    ("phi3", "phi3-medium-128k-instruct", "LLM-Research/Phi-3-medium-128k-instruct", "microsoft/Phi-3-medium-128k-instruct", 13.96, 131072, "instruct"),
    ("phi3", "phi3.5-mini-instruct", "LLM-Research/Phi-3.5-mini-instruct", "microsoft/Phi-3.5-mini-instruct", 3.82, 131072, "instruct"),
    ("phi3", "phi4-mini-instruct", "LLM-Research/Phi-4-mini-instruct", "microsoft/Phi-4-mini-instruct", 3.84, 131072, "instruct"),
]
# fmt: on

@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Phi-3 family checkpoint in :data:`_CHECKPOINTS`."""
    return checkpoint_specs(_FAMILIES, _CHECKPOINTS)
