"""Orion-14B (ms-swift model type ``orion``): OrionStar's 14.5B dense model, base and chat,
4K context.

Custom code only: ``OrionForCausalLM`` from the checkpoint's ``modeling_orion.py`` (a
Llama-like decoder; config model type ``orion``).
"""

from __future__ import annotations

FAMILIES = {
    "orion": {
        "name": "Orion",
        "architecture": "OrionForCausalLM",
        "hf_model_type": "orion",
        "template": "orion",
        "decoder_layer_cls": "OrionDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "OrionForCausalLM from the checkpoint's modeling_orion.py (config model type orion, not in "
        "transformers 5.19)",
    },
}

CHECKPOINTS = [
    ("orion", "orion-14b-chat", "OrionStarAI/Orion-14B-Chat", "=", 14.5, 4096, "chat"),
    ("orion", "orion-14b-base", "OrionStarAI/Orion-14B-Base", "=", 14.5, 4096, "base"),
]
