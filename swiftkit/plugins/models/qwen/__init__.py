"""Qwen model families (Alibaba Cloud): Qwen2, Qwen2.5 and Qwen3 dense causal LMs.

Light registration module: it imports nothing but ``swiftkit.core``; the tiny-config tweaks
for Qwen3 live in :mod:`swiftkit.plugins.models.qwen.loader`, imported only when used.
Hub ids are those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs, model_shape

SWIFTKIT_PLUGIN_API = "1.2"

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

#: family -> what every checkpoint of the family shares
_FAMILIES = {
    "qwen2": {
        "name": "Qwen2",
        "architecture": "Qwen2ForCausalLM",
        "hf_model_type": "qwen2",
        "template": "qwen",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": _LORA,
        "requires": ["transformers>=4.37"],
    },
    "qwen2_5": {
        "name": "Qwen2.5",
        "architecture": "Qwen2ForCausalLM",
        "hf_model_type": "qwen2",
        "template": "qwen2_5",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": _LORA,
        "requires": ["transformers>=4.37"],
    },
    "qwen3": {
        "name": "Qwen3",
        "architecture": "Qwen3ForCausalLM",
        "hf_model_type": "qwen3",
        "template": "chatml",
        "decoder_layer_cls": "Qwen3DecoderLayer",
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.qwen.loader:Qwen3Loader",
        "requires": ["transformers>=4.51"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags
# fmt: off
_CHECKPOINTS = [
    ("qwen2", "qwen2-0.5b", "Qwen/Qwen2-0.5B", "=", 0.49, 32768, "base"),
    ("qwen2", "qwen2-0.5b-instruct", "Qwen/Qwen2-0.5B-Instruct", "=", 0.49, 32768, "instruct"),
    ("qwen2", "qwen2-1.5b", "Qwen/Qwen2-1.5B", "=", 1.54, 32768, "base"),
    ("qwen2", "qwen2-1.5b-instruct", "Qwen/Qwen2-1.5B-Instruct", "=", 1.54, 32768, "instruct"),
    ("qwen2", "qwen2-7b", "Qwen/Qwen2-7B", "=", 7.62, 131072, "base"),
    ("qwen2", "qwen2-7b-instruct", "Qwen/Qwen2-7B-Instruct", "=", 7.62, 32768, "instruct"),
    ("qwen2", "qwen2-72b", "Qwen/Qwen2-72B", "=", 72.71, 131072, "base"),
    ("qwen2", "qwen2-72b-instruct", "Qwen/Qwen2-72B-Instruct", "=", 72.71, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", "=", 0.49, 32768, "base"),
    ("qwen2_5", "qwen2.5-0.5b-instruct", "Qwen/Qwen2.5-0.5B-Instruct", "=", 0.49, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B", "=", 1.54, 32768, "base"),
    ("qwen2_5", "qwen2.5-1.5b-instruct", "Qwen/Qwen2.5-1.5B-Instruct", "=", 1.54, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-3b", "Qwen/Qwen2.5-3B", "=", 3.09, 32768, "base"),
    ("qwen2_5", "qwen2.5-3b-instruct", "Qwen/Qwen2.5-3B-Instruct", "=", 3.09, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-7b", "Qwen/Qwen2.5-7B", "=", 7.62, 131072, "base"),
    ("qwen2_5", "qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "=", 7.62, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-14b", "Qwen/Qwen2.5-14B", "=", 14.77, 131072, "base"),
    ("qwen2_5", "qwen2.5-14b-instruct", "Qwen/Qwen2.5-14B-Instruct", "=", 14.77, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-32b", "Qwen/Qwen2.5-32B", "=", 32.76, 131072, "base"),
    ("qwen2_5", "qwen2.5-32b-instruct", "Qwen/Qwen2.5-32B-Instruct", "=", 32.76, 32768, "instruct"),
    ("qwen2_5", "qwen2.5-72b", "Qwen/Qwen2.5-72B", "=", 72.71, 131072, "base"),
    ("qwen2_5", "qwen2.5-72b-instruct", "Qwen/Qwen2.5-72B-Instruct", "=", 72.71, 32768, "instruct"),
    ("qwen3", "qwen3-0.6b-base", "Qwen/Qwen3-0.6B-Base", "=", 0.6, 32768, "base"),
    ("qwen3", "qwen3-0.6b", "Qwen/Qwen3-0.6B", "=", 0.6, 32768, "instruct", "thinking"),
    ("qwen3", "qwen3-1.7b-base", "Qwen/Qwen3-1.7B-Base", "=", 1.7, 32768, "base"),
    ("qwen3", "qwen3-1.7b", "Qwen/Qwen3-1.7B", "=", 1.7, 32768, "instruct", "thinking"),
    ("qwen3", "qwen3-4b-base", "Qwen/Qwen3-4B-Base", "=", 4.0, 32768, "base"),
    ("qwen3", "qwen3-4b", "Qwen/Qwen3-4B", "=", 4.0, 32768, "instruct", "thinking"),
    ("qwen3", "qwen3-8b-base", "Qwen/Qwen3-8B-Base", "=", 8.2, 32768, "base"),
    ("qwen3", "qwen3-8b", "Qwen/Qwen3-8B", "=", 8.2, 32768, "instruct", "thinking"),
    ("qwen3", "qwen3-14b-base", "Qwen/Qwen3-14B-Base", "=", 14.8, 32768, "base"),
    ("qwen3", "qwen3-14b", "Qwen/Qwen3-14B", "=", 14.8, 32768, "instruct", "thinking"),
    ("qwen3", "qwen3-32b", "Qwen/Qwen3-32B", "=", 32.8, 32768, "instruct", "thinking"),
]

# Sizes from each checkpoint's public config.json on the Hugging Face hub (hidden_size,
# num_hidden_layers, num_attention_heads, num_key_value_heads, intermediate_size, vocab_size,
# tie_word_embeddings; head_dim where it is not hidden/heads). Qwen2 / Qwen2.5 have q/k/v
# biases. A test checks each against the parameter count above. Base and instruct share them.
_Q2 = {"attention_bias": True}
_SIZES = {
    ("qwen2-0.5b", "qwen2.5-0.5b"): model_shape(896, 24, 14, 2, 4864, 151936, tied=True, **_Q2),
    ("qwen2-1.5b", "qwen2.5-1.5b"): model_shape(1536, 28, 12, 2, 8960, 151936, tied=True, **_Q2),
    ("qwen2.5-3b",): model_shape(2048, 36, 16, 2, 11008, 151936, tied=True, **_Q2),
    ("qwen2-7b", "qwen2.5-7b"): model_shape(3584, 28, 28, 4, 18944, 152064, tied=False, **_Q2),
    ("qwen2.5-14b",): model_shape(5120, 48, 40, 8, 13824, 152064, tied=False, **_Q2),
    ("qwen2.5-32b",): model_shape(5120, 64, 40, 8, 27648, 152064, tied=False, **_Q2),
    ("qwen2-72b", "qwen2.5-72b"): model_shape(8192, 80, 64, 8, 29568, 152064, tied=False, **_Q2),
    ("qwen3-0.6b",): model_shape(1024, 28, 16, 8, 3072, 151936, tied=True, head_dim=128),
    ("qwen3-1.7b",): model_shape(2048, 28, 16, 8, 6144, 151936, tied=True, head_dim=128),
    ("qwen3-4b",): model_shape(2560, 36, 32, 8, 9728, 151936, tied=True, head_dim=128),
    ("qwen3-8b",): model_shape(4096, 36, 32, 8, 12288, 151936, tied=False, head_dim=128),
    ("qwen3-14b",): model_shape(5120, 40, 40, 8, 17408, 151936, tied=False, head_dim=128),
    ("qwen3-32b",): model_shape(5120, 64, 64, 8, 25600, 151936, tied=False, head_dim=128),
}
# fmt: on
_SHAPES = {
    row[1]: shape
    for row in _CHECKPOINTS
    for sizes, shape in _SIZES.items()
    if row[1].removesuffix("-instruct").removesuffix("-base") in sizes
}


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Qwen2 / Qwen2.5 / Qwen3 checkpoint in :data:`_CHECKPOINTS`."""
    return checkpoint_specs(_FAMILIES, _CHECKPOINTS, _SHAPES)
