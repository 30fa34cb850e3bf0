"""Llama model families (Meta): Llama 2, Llama 3, Llama 3.1 and Llama 3.2 text models.

Light registration module: it imports nothing but ``swiftkit.core``. Llama needs no tiny-config
tweaks, so every spec uses the default :class:`swiftkit.models.hf.HFCausalLMLoader`.
Hub ids are those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs, model_shape

SWIFTKIT_PLUGIN_API = "1.2"

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

#: what every Llama generation shares
_LLAMA = {
    "architecture": "LlamaForCausalLM",
    "hf_model_type": "llama",
    "decoder_layer_cls": "LlamaDecoderLayer",
    "lora_target_modules": _LORA,
}

#: family -> what every checkpoint of the family shares
_FAMILIES = {
    "llama2": {**_LLAMA, "name": "Llama 2", "template": "llama2", "requires": ["transformers>=4.31"]},
    "llama3": {**_LLAMA, "name": "Llama 3", "template": "llama3", "requires": ["transformers>=4.40"]},
    "llama3_1": {**_LLAMA, "name": "Llama 3.1", "template": "llama3", "requires": ["transformers>=4.43"]},
    "llama3_2": {**_LLAMA, "name": "Llama 3.2", "template": "llama3", "requires": ["transformers>=4.43"]},
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags
# fmt: off
_CHECKPOINTS = [
    ("llama2", "llama2-7b", "modelscope/Llama-2-7b-ms", "meta-llama/Llama-2-7b-hf", 6.74, 4096, "base"),
    ("llama2", "llama2-7b-chat", "modelscope/Llama-2-7b-chat-ms", "meta-llama/Llama-2-7b-chat-hf", 6.74, 4096, "instruct"),
    ("llama2", "llama2-13b", "modelscope/Llama-2-13b-ms", "meta-llama/Llama-2-13b-hf", 13.02, 4096, "base"),
    ("llama2", "llama2-13b-chat", "modelscope/Llama-2-13b-chat-ms", "meta-llama/Llama-2-13b-chat-hf", 13.02, 4096, "instruct"),
    ("llama2", "llama2-70b", "modelscope/Llama-2-70b-ms", "meta-llama/Llama-2-70b-hf", 68.98, 4096, "base"),
    ("llama2", "llama2-70b-chat", "modelscope/Llama-2-70b-chat-ms", "meta-llama/Llama-2-70b-chat-hf", 68.98, 4096, "instruct"),
    ("llama3", "llama3-8b", "LLM-Research/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B", 8.03, 8192, "base"),
    ("llama3", "llama3-8b-instruct", "LLM-Research/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct", 8.03, 8192, "instruct"),
    ("llama3", "llama3-70b", "LLM-Research/Meta-Llama-3-70B", "meta-llama/Meta-Llama-3-70B", 70.55, 8192, "base"),
    ("llama3", "llama3-70b-instruct", "LLM-Research/Meta-Llama-3-70B-Instruct", "meta-llama/Meta-Llama-3-70B-Instruct", 70.55, 8192, "instruct"),
    ("llama3_1", "llama3.1-8b", "LLM-Research/Meta-Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-8B", 8.03, 131072, "base"),
    ("llama3_1", "llama3.1-8b-instruct", "LLM-Research/Meta-Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct", 8.03, 131072, "instruct"),
    ("llama3_1", "llama3.1-70b", "LLM-Research/Meta-Llama-3.1-70B", "meta-llama/Meta-Llama-3.1-70B", 70.55, 131072, "base"),
    ("llama3_1", "llama3.1-70b-instruct", "LLM-Research/Meta-Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct", 70.55, 131072, "instruct"),
    ("llama3_1", "llama3.1-405b", "LLM-Research/Meta-Llama-3.1-405B", "meta-llama/Meta-Llama-3.1-405B", 405.85, 131072, "base"),
    ("llama3_1", "llama3.1-405b-instruct", "LLM-Research/Meta-Llama-3.1-405B-Instruct", "meta-llama/Meta-Llama-3.1-405B-Instruct", 405.85, 131072, "instruct"),
    ("llama3_2", "llama3.2-1b", "LLM-Research/Llama-3.2-1B", "meta-llama/Llama-3.2-1B", 1.24, 131072, "base"),
    ("llama3_2", "llama3.2-1b-instruct", "LLM-Research/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-1B-Instruct", 1.24, 131072, "instruct"),
    ("llama3_2", "llama3.2-3b", "LLM-Research/Llama-3.2-3B", "meta-llama/Llama-3.2-3B", 3.21, 131072, "base"),
    ("llama3_2", "llama3.2-3b-instruct", "LLM-Research/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.2-3B-Instruct", 3.21, 131072, "instruct"),
]

# Sizes from each checkpoint's public config.json on the Hugging Face hub (hidden_size,
# num_hidden_layers, num_attention_heads, num_key_value_heads, intermediate_size, vocab_size,
# tie_word_embeddings). A test checks each against the parameter count above. Base and chat /
# instruct checkpoints share them.
_SIZES = {
    ("llama2-7b",): model_shape(4096, 32, 32, 32, 11008, 32000, tied=False),
    ("llama2-13b",): model_shape(5120, 40, 40, 40, 13824, 32000, tied=False),
    ("llama2-70b",): model_shape(8192, 80, 64, 8, 28672, 32000, tied=False),
    ("llama3-8b", "llama3.1-8b"): model_shape(4096, 32, 32, 8, 14336, 128256, tied=False),
    ("llama3-70b", "llama3.1-70b"): model_shape(8192, 80, 64, 8, 28672, 128256, tied=False),
    ("llama3.1-405b",): model_shape(16384, 126, 128, 8, 53248, 128256, tied=False),
    ("llama3.2-1b",): model_shape(2048, 16, 32, 8, 8192, 128256, tied=True),
    ("llama3.2-3b",): model_shape(3072, 28, 24, 8, 8192, 128256, tied=True),
}
# fmt: on
_SHAPES = {
    row[1]: shape
    for row in _CHECKPOINTS
    for sizes, shape in _SIZES.items()
    if row[1].removesuffix("-instruct").removesuffix("-chat") in sizes
}


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Llama 2 / 3 / 3.1 / 3.2 checkpoint in :data:`_CHECKPOINTS`."""
    return checkpoint_specs(_FAMILIES, _CHECKPOINTS, _SHAPES)
