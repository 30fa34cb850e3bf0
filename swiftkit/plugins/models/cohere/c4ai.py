"""The ``c4ai`` family (Cohere For AI): Command-R v01 (35B) and Command-R+ (104B).

``CohereForCausalLM`` (parallel attention + MLP, LayerNorm, logit scale, tied embeddings;
Command-R+ adds q/k LayerNorms, which the tiny config turns on). Data only.
"""

from __future__ import annotations

FAMILIES = {
    "c4ai": {
        "name": "Command-R",
        "architecture": "CohereForCausalLM",
        "hf_model_type": "cohere",
        "template": "c4ai",
        "decoder_layer_cls": "CohereDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.cohere.loader:CommandRLoader",
        "support": "tested",
        "support_note": "CohereForCausalLM, native in transformers; tiny model (with q/k norms) through the family test matrix",
        "requires": ["transformers>=4.39"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("c4ai", "c4ai-command-r-v01", "AI-ModelScope/c4ai-command-r-v01", "CohereForAI/c4ai-command-r-v01", 34.98, 131072, "instruct", "long-context"),
    ("c4ai", "c4ai-command-r-plus", "AI-ModelScope/c4ai-command-r-plus", "CohereForAI/c4ai-command-r-plus", 103.8, 131072, "instruct", "long-context"),
]
# fmt: on
SHAPES: dict = {}
