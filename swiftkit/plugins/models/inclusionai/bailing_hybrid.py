"""Ling 2.5 / 2.6 and Ring 2.5 / 2.6 (ms-swift model type ``bailing_hybrid``): inclusionAI's
mixture-of-experts models with hybrid linear attention (Lightning Attention and MLA, 7:1):
the 1T Ling/Ring models and Ling-2.6-flash (104B, 7.4B active); 256K context (the cards'
long-context training length).

Custom code only: ``BailingMoeV2_5ForCausalLM`` from the checkpoint's own modeling file (not in
transformers 5.19).
"""

from __future__ import annotations

FAMILIES = {
    "bailing_hybrid": {
        "name": "Ling 2.5",
        "architecture": "BailingMoeV2_5ForCausalLM",
        "hf_model_type": "bailing_hybrid",
        "template": "ling2",
        "decoder_layer_cls": "BailingMoeV2_5DecoderLayer",
        "lora_target_modules": ["all-linear"],
        "support": "remote_code",
        "support_note": "BailingMoeV2_5ForCausalLM from the checkpoint's own modeling file (not in transformers 5.19)",
    },
}

_RING = {"template": "ring2_5"}

# fmt: off
CHECKPOINTS = [
    ("bailing_hybrid", "ling-2.5-1t", "inclusionAI/Ling-2.5-1T", "=", 1000.0, 262144, "instruct", "moe",
     "long-context"),
    ("bailing_hybrid", "ling-2.6-1t", "inclusionAI/Ling-2.6-1T", "=", 1000.0, 262144, "instruct", "moe",
     "long-context"),
    ("bailing_hybrid", "ling-2.6-flash", "inclusionAI/Ling-2.6-flash", "=", 104.0, 262144, "instruct", "moe",
     "long-context"),
    ("bailing_hybrid", "ring-2.5-1t", "inclusionAI/Ring-2.5-1T", "=", 1000.0, 262144, "instruct", "moe", "reasoning",
     "long-context", _RING),
    ("bailing_hybrid", "ring-2.6-1t", "inclusionAI/Ring-2.6-1T", "=", 1000.0, 262144, "instruct", "moe", "reasoning",
     "long-context", _RING),
]
# fmt: on
