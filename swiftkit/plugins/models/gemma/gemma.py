"""The ``gemma`` family (Google): Gemma 2B and 7B, base and instruction-tuned.

``GemmaForCausalLM``; the tiny config sets its own ``head_dim`` (see the loader). Data only.
"""

from __future__ import annotations

FAMILIES = {
    "gemma": {
        "name": "Gemma",
        "architecture": "GemmaForCausalLM",
        "hf_model_type": "gemma",
        "template": "gemma",
        "decoder_layer_cls": "GemmaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.gemma.loader:GemmaLoader",
        "support": "tested",
        "support_note": "GemmaForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.38"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma", "gemma-2b-it", "AI-ModelScope/gemma-2b-it", "google/gemma-2b-it", 2.51, 8192, "instruct"),
    ("gemma", "gemma-2b", "AI-ModelScope/gemma-2b", "google/gemma-2b", 2.51, 8192, "base"),
    ("gemma", "gemma-7b", "AI-ModelScope/gemma-7b", "google/gemma-7b", 8.54, 8192, "base"),
    ("gemma", "gemma-7b-it", "AI-ModelScope/gemma-7b-it", "google/gemma-7b-it", 8.54, 8192, "instruct"),
]
# fmt: on
SHAPES: dict = {}
