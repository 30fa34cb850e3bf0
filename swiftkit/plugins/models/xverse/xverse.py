"""XVERSE dense models 7B / 13B / 65B (ms-swift model type ``xverse``): base and chat, 8K
context (16K for 65B, 256K for XVERSE-13B-256K).

Custom code only: ``XverseForCausalLM`` from the checkpoint's ``modeling_xverse.py`` (a
Llama-like decoder; config model type ``xverse``).
"""

from __future__ import annotations

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "xverse": {
        "name": "XVERSE",
        "architecture": "XverseForCausalLM",
        "hf_model_type": "xverse",
        "template": "xverse",
        "decoder_layer_cls": "XverseDecoderLayer",
        "lora_target_modules": _LORA,
        "support": "remote_code",
        "support_note": "XverseForCausalLM from the checkpoint's modeling_xverse.py (config model type xverse, "
        "not in transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("xverse", "xverse-7b-chat", "xverse/XVERSE-7B-Chat", "=", 7.0, 8192, "chat"),
    ("xverse", "xverse-7b", "xverse/XVERSE-7B", "=", 7.0, 8192, "base"),
    ("xverse", "xverse-13b", "xverse/XVERSE-13B", "=", 13.0, 8192, "base"),
    ("xverse", "xverse-13b-chat", "xverse/XVERSE-13B-Chat", "=", 13.0, 8192, "chat"),
    ("xverse", "xverse-65b", "xverse/XVERSE-65B", "=", 65.0, 16384, "base"),
    ("xverse", "xverse-65b-2", "xverse/XVERSE-65B-2", "=", 65.0, 16384, "base"),
    ("xverse", "xverse-65b-chat", "xverse/XVERSE-65B-Chat", "=", 65.0, 16384, "chat"),
    ("xverse", "xverse-13b-256k", "xverse/XVERSE-13B-256K", "=", 13.0, 262144, "chat", "long-context"),
]
# fmt: on
