"""``baichuan_m1``: Baichuan-M1-14B-Instruct, a medical model with its own architecture
(``BaichuanM1ForCausalLM``), remote code. Parameters from the name; context as its config states
(32768). Data only."""

from __future__ import annotations

FAMILIES = {
    "baichuan_m1": {
        "name": "Baichuan-M1",
        "architecture": "BaichuanM1ForCausalLM",
        "hf_model_type": "baichuan_m1",
        "template": "baichuan_m1",
        "lora_target_modules": ["W_pack", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "BaichuanM1ForCausalLM from the checkpoint's modeling_baichuan.py",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("baichuan_m1", "baichuan-m1-14b-instruct", "baichuan-inc/Baichuan-M1-14B-Instruct", "=", 14, 32768, "instruct"),
]
# fmt: on
SHAPES: dict = {}
