"""The ``gemma2`` family (Google): Gemma 2 2B, 9B and 27B, base and instruction-tuned.

``Gemma2ForCausalLM`` (alternating sliding-window / global attention, logit soft-capping,
``query_pre_attn_scalar``); ms-swift formats it with the ``gemma`` template. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "gemma2": {
        "name": "Gemma 2",
        "architecture": "Gemma2ForCausalLM",
        "hf_model_type": "gemma2",
        "template": "gemma",
        "decoder_layer_cls": "Gemma2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.gemma.loader:Gemma2Loader",
        "support": "tested",
        "support_note": "Gemma2ForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma2", "gemma2-2b-it", "LLM-Research/gemma-2-2b-it", "google/gemma-2-2b-it", 2.61, 8192, "instruct"),
    ("gemma2", "gemma2-2b", "LLM-Research/gemma-2-2b", "google/gemma-2-2b", 2.61, 8192, "base"),
    ("gemma2", "gemma2-9b", "LLM-Research/gemma-2-9b", "google/gemma-2-9b", 9.24, 8192, "base"),
    ("gemma2", "gemma2-9b-it", "LLM-Research/gemma-2-9b-it", "google/gemma-2-9b-it", 9.24, 8192, "instruct"),
    ("gemma2", "gemma2-27b", "LLM-Research/gemma-2-27b", "google/gemma-2-27b", 27.23, 8192, "base"),
    ("gemma2", "gemma2-27b-it", "LLM-Research/gemma-2-27b-it", "google/gemma-2-27b-it", 27.23, 8192, "instruct"),
]
# fmt: on
SHAPES: dict = {}
