"""Ling 2.0 / Ring 2.0 (ms-swift model type ``bailing_moe``): inclusionAI's second-generation
mixture-of-experts models: Ling-mini-2.0 (16B, 1.4B active) and its base, the 1T Ling-1T, and
the reasoning model Ring-mini-2.0.

Custom code only: ``BailingMoeV2ForCausalLM`` from the checkpoint's
``modeling_bailing_moe_v2.py``, not in transformers 5.19 (``hf_model_type`` ``bailing_moe_v2`` is
taken from that configuration module's name, not checked against the hub's config.json). Context: the 32K of the mini models' configs (the cards extend it to 128K
with YaRN); Ling-1T's card states 128K.
"""

from __future__ import annotations

FAMILIES = {
    "bailing_moe": {
        "name": "Ling 2.0",
        "architecture": "BailingMoeV2ForCausalLM",
        "hf_model_type": "bailing_moe_v2",
        "template": "ling2",
        "decoder_layer_cls": "BailingMoeV2DecoderLayer",
        "lora_target_modules": ["query_key_value", "dense", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "BailingMoeV2ForCausalLM from the checkpoint's modeling_bailing_moe_v2.py (not in "
        "transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("bailing_moe", "ling-mini-2.0", "inclusionAI/Ling-mini-2.0", "=", 16.0, 32768, "instruct", "moe"),
    ("bailing_moe", "ling-mini-base-2.0", "inclusionAI/Ling-mini-base-2.0", "=", 16.0, 32768, "base", "moe"),
    ("bailing_moe", "ling-1t", "inclusionAI/Ling-1T", "=", 1000.0, 131072, "instruct", "moe", "long-context"),
    ("bailing_moe", "ring-mini-2.0", "inclusionAI/Ring-mini-2.0", "=", 16.0, 32768, "instruct", "moe", "reasoning",
     {"template": "ring2"}),
]
# fmt: on
