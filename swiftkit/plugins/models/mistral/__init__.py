"""Mistral model family (Mistral AI): Mistral-7B v0.1-v0.3 and Codestral-22B.

Light registration module: it imports nothing but ``swiftkit.core``; the tiny-config tweak
(no sliding window) lives in :mod:`swiftkit.plugins.models.mistral.loader`.
Hub ids are those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs, model_shape

SWIFTKIT_PLUGIN_API = "1.2"

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

#: family -> what every checkpoint of the family shares
_FAMILIES = {
    "mistral": {
        "name": "Mistral",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "mistral",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.mistral.loader:MistralLoader",
        "requires": ["transformers>=4.34"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags
# fmt: off
_CHECKPOINTS = [
    ("mistral", "mistral-7b-v0.1", "AI-ModelScope/Mistral-7B-v0.1", "mistralai/Mistral-7B-v0.1", 7.24, 32768, "base"),
    ("mistral", "mistral-7b-instruct-v0.1", "AI-ModelScope/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-Instruct-v0.1", 7.24, 32768, "instruct"),
    ("mistral", "mistral-7b-v0.2", "AI-ModelScope/Mistral-7B-v0.2-hf", "alpindale/Mistral-7B-v0.2-hf", 7.24, 32768, "base"),
    ("mistral", "mistral-7b-instruct-v0.2", "AI-ModelScope/Mistral-7B-Instruct-v0.2", "mistralai/Mistral-7B-Instruct-v0.2", 7.24, 32768, "instruct"),
    ("mistral", "mistral-7b-instruct-v0.3", "LLM-Research/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", 7.25, 32768, "instruct"),
    ("mistral", "codestral-22b-v0.1", "swift/Codestral-22B-v0.1", "mistralai/Codestral-22B-v0.1", 22.25, 32768, "instruct", "coding"),
]

# Sizes from each checkpoint's public config.json on the Hugging Face hub; v0.3 and Codestral
# have the 32768-token vocabulary. A test checks each against the parameter count above.
_MISTRAL_7B = model_shape(4096, 32, 32, 8, 14336, 32000, tied=False)
_SHAPES = {
    "mistral-7b-v0.1": _MISTRAL_7B,
    "mistral-7b-instruct-v0.1": _MISTRAL_7B,
    "mistral-7b-v0.2": _MISTRAL_7B,
    "mistral-7b-instruct-v0.2": _MISTRAL_7B,
    "mistral-7b-instruct-v0.3": model_shape(4096, 32, 32, 8, 14336, 32768, tied=False),
    "codestral-22b-v0.1": model_shape(6144, 56, 48, 8, 16384, 32768, tied=False),
}
# fmt: on


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Mistral checkpoint in :data:`_CHECKPOINTS`."""
    return checkpoint_specs(_FAMILIES, _CHECKPOINTS, _SHAPES)
