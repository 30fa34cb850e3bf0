"""The ``phi2`` family (Microsoft): Phi-2, a 2.7B base model.

``PhiForCausalLM`` (parallel attention + MLP block, partial rotary embeddings, biased linear
layers named ``dense``/``fc1``/``fc2``). ms-swift formats it with its ``default`` template. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "phi2": {
        "name": "Phi-2",
        "architecture": "PhiForCausalLM",
        "hf_model_type": "phi",
        "template": "default",
        "decoder_layer_cls": "PhiDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "dense", "fc1", "fc2"],
        "support": "tested",
        "support_note": "PhiForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.37"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("phi2", "phi-2", "AI-ModelScope/phi-2", "microsoft/phi-2", 2.78, 2048, "base"),
]
# fmt: on
SHAPES: dict = {}
