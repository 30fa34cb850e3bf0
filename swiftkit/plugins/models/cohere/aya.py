"""The ``aya`` family (Cohere For AI): Aya Expanse 8B and 32B, multilingual chat models.

``CohereForCausalLM`` (Command-R architecture, no q/k norms); 8K context for 8B, 128K for 32B.
Data only.
"""

from __future__ import annotations

FAMILIES = {
    "aya": {
        "name": "Aya Expanse",
        "architecture": "CohereForCausalLM",
        "hf_model_type": "cohere",
        "template": "aya",
        "decoder_layer_cls": "CohereDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "tested",
        "support_note": "CohereForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.44.0"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("aya", "aya-expanse-8b", "AI-ModelScope/aya-expanse-8b", "CohereForAI/aya-expanse-8b", 8.03, 8192, "instruct"),
    ("aya", "aya-expanse-32b", "AI-ModelScope/aya-expanse-32b", "CohereForAI/aya-expanse-32b", 32.3, 131072, "instruct", "long-context"),
]
# fmt: on
SHAPES: dict = {}
