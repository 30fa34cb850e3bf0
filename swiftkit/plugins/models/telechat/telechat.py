"""TeleChat and the large TeleChat2 models (ms-swift model type ``telechat``): China Telecom's
dense chat models, 7B to 115B, plus ms-swift's GPTQ-Int4 build of TeleChat-12B-v2.

Custom code only: ``TelechatForCausalLM`` (``TeleChatForCausalLM`` in later uploads; ms-swift
accepts both) from the checkpoint's ``modeling_telechat.py``, config model type ``telechat``.
Context lengths are the 8K the model cards train with (longer contexts only by extrapolation);
parameter counts are the sizes in the names.
"""

from __future__ import annotations

FAMILIES = {
    "telechat": {
        "name": "TeleChat",
        "architecture": "TelechatForCausalLM",
        "hf_model_type": "telechat",
        "template": "telechat",
        "decoder_layer_cls": "TelechatBlock",
        # BLOOM-style attention (query, key_value, dense) and a gated MLP
        "lora_target_modules": ["query", "key_value", "dense", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "TelechatForCausalLM / TeleChatForCausalLM from the checkpoint's modeling_telechat.py "
        "(config model type telechat, not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("telechat", "telechat-7b", "TeleAI/TeleChat-7B", "Tele-AI/telechat-7B", 7.0, 8192, "chat"),
    ("telechat", "telechat-12b", "TeleAI/TeleChat-12B", "Tele-AI/TeleChat-12B", 12.0, 8192, "chat"),
    ("telechat", "telechat-12b-v2", "TeleAI/TeleChat-12B-v2", "Tele-AI/TeleChat-12B-v2", 12.0, 8192, "chat"),
    ("telechat", "telechat-52b", "TeleAI/TeleChat-52B", "TeleAI/TeleChat-52B", 52.0, 8192, "chat"),
    ("telechat", "telechat-12b-v2-gptq-int4", "swift/TeleChat-12B-V2-GPTQ-Int4", None, 12.0, 8192, "chat"),
    ("telechat", "telechat2-35b", "TeleAI/TeleChat2-35B", "Tele-AI/TeleChat2-35B", 35.0, 8192, "chat"),
    ("telechat", "telechat2-115b", "TeleAI/TeleChat2-115B", "Tele-AI/TeleChat2-115B", 115.0, 8192, "chat"),
]
# fmt: on
