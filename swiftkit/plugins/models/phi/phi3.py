"""The ``phi3`` family (Microsoft): Phi-3 mini/medium, Phi-3.5-mini and Phi-4-mini.

All ``Phi3ForCausalLM`` (fused ``qkv_proj`` and ``gate_up_proj``, so the LoRA targets differ from
Llama's). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

LC = "long-context"

FAMILIES = {
    "phi3": {
        "name": "Phi-3",
        "architecture": "Phi3ForCausalLM",
        "hf_model_type": "phi3",
        "template": "phi3",
        "decoder_layer_cls": "Phi3DecoderLayer",
        "lora_target_modules": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"],
        "support": "tested",
        "support_note": "Phi3ForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("phi3", "phi3-mini-4k-instruct", "LLM-Research/Phi-3-mini-4k-instruct", "microsoft/Phi-3-mini-4k-instruct", 3.82, 4096, "instruct"),
    ("phi3", "phi3-mini-128k-instruct", "LLM-Research/Phi-3-mini-128k-instruct", "microsoft/Phi-3-mini-128k-instruct", 3.82, 131072, "instruct", LC),
    ("phi3", "phi3-medium-4k-instruct", "LLM-Research/Phi-3-medium-4k-instruct", "microsoft/Phi-3-medium-4k-instruct", 13.96, 4096, "instruct"),
    ("phi3", "phi3-medium-128k-instruct", "LLM-Research/Phi-3-medium-128k-instruct", "microsoft/Phi-3-medium-128k-instruct", 13.96, 131072, "instruct", LC),
    ("phi3", "phi3.5-mini-instruct", "LLM-Research/Phi-3.5-mini-instruct", "microsoft/Phi-3.5-mini-instruct", 3.82, 131072, "instruct", LC),
    ("phi3", "phi4-mini-instruct", "LLM-Research/Phi-4-mini-instruct", "microsoft/Phi-4-mini-instruct", 3.84, 131072, "instruct", LC),
]
_MINI = model_shape(3072, 32, 32, 32, 8192, 32064, tied=False)
SHAPES = {"phi3-mini-4k-instruct": _MINI, "phi3-mini-128k-instruct": _MINI, "phi3.5-mini-instruct": _MINI}
# fmt: on
