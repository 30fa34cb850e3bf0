"""Gemma model families (Google): Gemma and Gemma 2 text models.

Light registration module: it imports nothing but ``swiftkit.core``; the tiny-config tweaks
(``head_dim``) live in :mod:`swiftkit.plugins.models.gemma.loader`.
Hub ids are those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs

SWIFTKIT_PLUGIN_API = "1.2"

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

#: family -> what every checkpoint of the family shares
_FAMILIES = {
    "gemma": {
        "name": "Gemma",
        "architecture": "GemmaForCausalLM",
        "hf_model_type": "gemma",
        "template": "gemma",
        "decoder_layer_cls": "GemmaDecoderLayer",
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.gemma.loader:GemmaLoader",
        "requires": ["transformers>=4.38"],
    },
    "gemma2": {
        "name": "Gemma 2",
        "architecture": "Gemma2ForCausalLM",
        "hf_model_type": "gemma2",
        "template": "gemma",
        "decoder_layer_cls": "Gemma2DecoderLayer",
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.gemma.loader:Gemma2Loader",
        "requires": ["transformers>=4.42"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags
# fmt: off
_CHECKPOINTS = [
    ("gemma", "gemma-2b", "AI-ModelScope/gemma-2b", "google/gemma-2b", 2.51, 8192, "base"),
    ("gemma", "gemma-2b-it", "AI-ModelScope/gemma-2b-it", "google/gemma-2b-it", 2.51, 8192, "instruct"),
    ("gemma", "gemma-7b", "AI-ModelScope/gemma-7b", "google/gemma-7b", 8.54, 8192, "base"),
    ("gemma", "gemma-7b-it", "AI-ModelScope/gemma-7b-it", "google/gemma-7b-it", 8.54, 8192, "instruct"),
    ("gemma2", "gemma2-2b", "LLM-Research/gemma-2-2b", "google/gemma-2-2b", 2.61, 8192, "base"),
    ("gemma2", "gemma2-2b-it", "LLM-Research/gemma-2-2b-it", "google/gemma-2-2b-it", 2.61, 8192, "instruct"),
    ("gemma2", "gemma2-9b", "LLM-Research/gemma-2-9b", "google/gemma-2-9b", 9.24, 8192, "base"),
    ("gemma2", "gemma2-9b-it", "LLM-Research/gemma-2-9b-it", "google/gemma-2-9b-it", 9.24, 8192, "instruct"),
    ("gemma2", "gemma2-27b", "LLM-Research/gemma-2-27b", "google/gemma-2-27b", 27.23, 8192, "base"),
    ("gemma2", "gemma2-27b-it", "LLM-Research/gemma-2-27b-it", "google/gemma-2-27b-it", 27.23, 8192, "instruct"),
]
# fmt: on

@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Gemma / Gemma 2 checkpoint in :data:`_CHECKPOINTS`."""
    return checkpoint_specs(_FAMILIES, _CHECKPOINTS)
