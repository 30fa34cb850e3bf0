"""``minicpm3``: MiniCPM3-4B (multi-head latent attention, scaled embeddings and residuals).

Native in transformers (``MiniCPM3ForCausalLM``; 4.07B parameters in its default config, which is
MiniCPM3-4B's). The listing renders it with ChatML. Context: ``max_position_embeddings``.
Data only.
"""

from __future__ import annotations

FAMILIES = {
    "minicpm3": {
        "name": "MiniCPM3",
        "architecture": "MiniCPM3ForCausalLM",
        "hf_model_type": "minicpm3",
        "template": "chatml",
        "decoder_layer_cls": "MiniCPM3DecoderLayer",
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj",
                                "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.openbmb.loader:MiniCPM3Loader",
        "support": "tested",
        "support_note": "MiniCPM3ForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("minicpm3", "minicpm3-4b", "OpenBMB/MiniCPM3-4B", "openbmb/MiniCPM3-4B", 4.07, 32768, "instruct"),
]
# fmt: on
SHAPES: dict = {}
