"""BlueLM-7B (ms-swift model type ``bluelm``): vivo's 7.3B dense model, base and chat, with
32K-context variants (``-32K``); the others are listed with a 4K context.

Custom code only: ``BlueLMForCausalLM`` from the checkpoint's ``modeling_bluelm.py`` (a
Llama-like decoder).
"""

from __future__ import annotations

FAMILIES = {
    "bluelm": {
        "name": "BlueLM",
        "architecture": "BlueLMForCausalLM",
        "hf_model_type": "BlueLM",
        "template": "bluelm",
        "decoder_layer_cls": "BlueLMDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "BlueLMForCausalLM from the checkpoint's modeling_bluelm.py (not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("bluelm", "bluelm-7b-chat-32k", "vivo-ai/BlueLM-7B-Chat-32K", "=", 7.3, 32768, "chat"),
    ("bluelm", "bluelm-7b-chat", "vivo-ai/BlueLM-7B-Chat", "=", 7.3, 4096, "chat"),
    ("bluelm", "bluelm-7b-base-32k", "vivo-ai/BlueLM-7B-Base-32K", "=", 7.3, 32768, "base"),
    ("bluelm", "bluelm-7b-base", "vivo-ai/BlueLM-7B-Base", "=", 7.3, 4096, "base"),
]
# fmt: on
