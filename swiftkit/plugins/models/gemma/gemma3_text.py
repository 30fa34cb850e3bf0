"""The ``gemma3_text`` family (Google): the text-only Gemma 3 checkpoints (270M, 1B, MedGemma 27B text).

``Gemma3ForCausalLM`` (``model_type: gemma3_text``): five sliding-window layers per global one,
q/k norms, ``query_pre_attn_scalar``; the tiny config keeps one layer of each kind (see the
loader). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "gemma3_text": {
        "name": "Gemma 3 (text)",
        "architecture": "Gemma3ForCausalLM",
        "hf_model_type": "gemma3_text",
        "template": "gemma3_text",
        "decoder_layer_cls": "Gemma3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.gemma.loader:Gemma3TextLoader",
        "support": "tested",
        "support_note": "Gemma3ForCausalLM, native in transformers; tiny model (one sliding, one global layer) "
        "through the family test matrix",
        "requires": ["transformers>=4.49"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma3_text", "gemma-3-1b-pt", "LLM-Research/gemma-3-1b-pt", "google/gemma-3-1b-pt", 1.0, 32768, "base"),
    ("gemma3_text", "gemma-3-1b-it", "LLM-Research/gemma-3-1b-it", "google/gemma-3-1b-it", 1.0, 32768, "instruct"),
    ("gemma3_text", "gemma-3-270m", "google/gemma-3-270m", "=", 0.268, 32768, "base"),
    ("gemma3_text", "gemma-3-270m-it", "google/gemma-3-270m-it", "=", 0.268, 32768, "instruct"),
    ("gemma3_text", "medgemma-27b-text-it", "google/medgemma-27b-text-it", "=", 27.0, 131072, "instruct", "long-context"),
]
_G3_1B = model_shape(1152, 26, 4, 1, 6912, 262144, tied=True, head_dim=256)
SHAPES = {"gemma-3-1b-pt": _G3_1B, "gemma-3-1b-it": _G3_1B}
# fmt: on
