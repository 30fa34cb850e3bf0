"""The ``mistral_nemo`` family (Mistral AI): Mistral-Nemo-2407, Mistral-Large-2407,
Mistral-Small-2409 and Ministral-8B-2410.

``MistralForCausalLM`` with the 131072-token Tekken vocabulary and, for Nemo, an explicit
``head_dim`` (128) that differs from ``hidden_size / num_attention_heads``; the tiny config keeps
that difference (see the loader). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

LC = "long-context"

FAMILIES = {
    "mistral_nemo": {
        "name": "Mistral NeMo / Large / Small / Ministral",
        "architecture": "MistralForCausalLM",
        "hf_model_type": "mistral",
        "template": "mistral_nemo",
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
    ("mistral_nemo", "mistral-small-instruct-2409", "AI-ModelScope/Mistral-Small-Instruct-2409", "mistralai/Mistral-Small-Instruct-2409", 22.25, 32768, "instruct"),
    ("mistral_nemo", "mistral-large-instruct-2407", "LLM-Research/Mistral-Large-Instruct-2407", "mistralai/Mistral-Large-Instruct-2407", 122.6, 131072, "instruct", LC),
    ("mistral_nemo", "mistral-nemo-base-2407", "AI-ModelScope/Mistral-Nemo-Base-2407", "mistralai/Mistral-Nemo-Base-2407", 12.25, 131072, "base", LC),
    ("mistral_nemo", "mistral-nemo-instruct-2407", "AI-ModelScope/Mistral-Nemo-Instruct-2407", "mistralai/Mistral-Nemo-Instruct-2407", 12.25, 131072, "instruct", LC),
    ("mistral_nemo", "ministral-8b-instruct-2410", "AI-ModelScope/Ministral-8B-Instruct-2410", "mistralai/Ministral-8B-Instruct-2410", 8.02, 131072, "instruct", LC, {"requires": ["transformers>=4.46"]}),
]

_NEMO = model_shape(5120, 40, 32, 8, 14336, 131072, tied=False, head_dim=128)
SHAPES = {"mistral-nemo-base-2407": _NEMO, "mistral-nemo-instruct-2407": _NEMO}
# fmt: on
