"""The ``mistral`` family (Mistral AI): Mistral-7B v0.1-v0.3 and Codestral-22B.

``MistralForCausalLM``; ms-swift formats them with its ``llama`` template. The tiny-config
tweak (no sliding window) lives in :mod:`swiftkit.plugins.models.mistral.loader`. Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "mistral": {
        "name": "Mistral",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "llama",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": LORA,
        "loader": "swiftkit.plugins.models.mistral.loader:MistralLoader",
        "support": "tested",
        "support_note": "MistralForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.34"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("mistral", "mistral-7b-instruct-v0.1", "AI-ModelScope/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-Instruct-v0.1", 7.24, 32768, "instruct"),
    ("mistral", "mistral-7b-instruct-v0.2", "AI-ModelScope/Mistral-7B-Instruct-v0.2", "mistralai/Mistral-7B-Instruct-v0.2", 7.24, 32768, "instruct"),
    ("mistral", "mistral-7b-instruct-v0.3", "LLM-Research/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", 7.25, 32768, "instruct"),
    ("mistral", "mistral-7b-v0.1", "AI-ModelScope/Mistral-7B-v0.1", "mistralai/Mistral-7B-v0.1", 7.24, 32768, "base"),
    ("mistral", "mistral-7b-v0.2", "AI-ModelScope/Mistral-7B-v0.2-hf", "alpindale/Mistral-7B-v0.2-hf", 7.24, 32768, "base"),
    ("mistral", "codestral-22b-v0.1", "swift/Codestral-22B-v0.1", "mistralai/Codestral-22B-v0.1", 22.25, 32768, "instruct", "code"),
]

# config.json sizes; v0.3 and Codestral have the 32768-token vocabulary
_MISTRAL_7B = model_shape(4096, 32, 32, 8, 14336, 32000, tied=False)
SHAPES = {
    "mistral-7b-v0.1": _MISTRAL_7B,
    "mistral-7b-instruct-v0.1": _MISTRAL_7B,
    "mistral-7b-v0.2": _MISTRAL_7B,
    "mistral-7b-instruct-v0.2": _MISTRAL_7B,
    "mistral-7b-instruct-v0.3": model_shape(4096, 32, 32, 8, 14336, 32768, tied=False),
    "codestral-22b-v0.1": model_shape(6144, 56, 48, 8, 16384, 32768, tied=False),
}
# fmt: on
