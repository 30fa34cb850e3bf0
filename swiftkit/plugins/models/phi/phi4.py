"""The ``phi4`` family (Microsoft): phi-4, 14.7B.

``Phi3ForCausalLM`` (fused ``qkv_proj`` / ``gate_up_proj``) with a 100352-token vocabulary and
16K context; ms-swift's ``phi4`` template. Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "phi4": {
        "name": "Phi-4",
        "architecture": "Phi3ForCausalLM",
        "hf_model_type": "phi3",
        "template": "phi4",
        "decoder_layer_cls": "Phi3DecoderLayer",
        "lora_target_modules": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"],
        "support": "tested",
        "support_note": "Phi3ForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("phi4", "phi-4", "LLM-Research/phi-4", "microsoft/phi-4", 14.66, 16384, "instruct"),
]
# fmt: on
SHAPES = {"phi-4": model_shape(5120, 40, 40, 10, 17920, 100352, tied=False)}
