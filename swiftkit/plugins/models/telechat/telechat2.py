"""TeleChat2 3B / 7B-32K / 35B-32K / 35B-Nov (ms-swift model type ``telechat2``): China
Telecom's second-generation chat models with their own template.

Custom code only: ``TeleChat2ForCausalLM`` from the checkpoint's ``modeling_telechat2.py``.
Contexts: 32K where the name says so, else the 8K the cards train with; parameter counts are
the sizes in the names.
"""

from __future__ import annotations

FAMILIES = {
    "telechat2": {
        "name": "TeleChat2",
        "architecture": "TeleChat2ForCausalLM",
        "hf_model_type": "telechat",
        "template": "telechat2",
        "decoder_layer_cls": "TeleChat2DecoderLayer",
        "lora_target_modules": ["query", "key_value", "dense", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "TeleChat2ForCausalLM from the checkpoint's modeling_telechat2.py (not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("telechat2", "telechat2-3b", "TeleAI/TeleChat2-3B", "Tele-AI/TeleChat2-3B", 3.0, 8192, "chat"),
    ("telechat2", "telechat2-7b-32k", "TeleAI/TeleChat2-7B-32K", "Tele-AI/TeleChat2-7B-32K", 7.0, 32768, "chat"),
    ("telechat2", "telechat2-35b-32k", "TeleAI/TeleChat2-35B-32K", "Tele-AI/TeleChat2-35B-32K", 35.0, 32768, "chat"),
    ("telechat2", "telechat2-35b-nov", "TeleAI/TeleChat2-35B-Nov", "Tele-AI/TeleChat2-35B-Nov", 35.0, 8192, "chat"),
]
# fmt: on
