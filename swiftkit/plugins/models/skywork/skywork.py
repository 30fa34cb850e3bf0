"""Skywork-13B (ms-swift model type ``skywork``): Kunlun's 13.9B dense model (52 layers), base
and chat, 4K context; the chat model is published on ModelScope only.

Custom code only: ``SkyworkForCausalLM`` from the checkpoint's ``modeling_skywork.py`` (a
Llama-like decoder; config model type ``skywork``).
"""

from __future__ import annotations

FAMILIES = {
    "skywork": {
        "name": "Skywork",
        "architecture": "SkyworkForCausalLM",
        "hf_model_type": "skywork",
        "template": "skywork",
        "decoder_layer_cls": "SkyworkDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "SkyworkForCausalLM from the checkpoint's modeling_skywork.py (config model type skywork, "
        "not in transformers 5.19)",
    },
}

CHECKPOINTS = [
    ("skywork", "skywork-13b-base", "skywork/Skywork-13B-base", "=", 13.9, 4096, "base"),
    ("skywork", "skywork-13b-chat", "skywork/Skywork-13B-chat", None, 13.9, 4096, "chat"),
]
