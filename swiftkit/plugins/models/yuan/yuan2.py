"""Yuan 2.0 (ms-swift model type ``yuan2``): IEIT's 2B / 51B / 102B dense models, the 2B Janus
model, and Yuan2-M32 (40B mixture-of-experts, 3.7B active, 32 experts with an attention
router); HF-format checkpoints (``-hf``).

Custom code only: ``YuanForCausalLM`` from the checkpoint's ``yuan_hf_model.py`` (config model
type ``yuan``). Contexts: 8K for the 2B models, 4K for 51B/102B, 16K for M32 (model cards).
"""

from __future__ import annotations

FAMILIES = {
    "yuan2": {
        "name": "Yuan 2.0",
        "architecture": "YuanForCausalLM",
        "hf_model_type": "yuan",
        "template": "yuan",
        "decoder_layer_cls": "YuanDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "YuanForCausalLM from the checkpoint's yuan_hf_model.py (config model type yuan, not in "
        "transformers 5.19)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("yuan2", "yuan2-2b-hf", "IEITYuan/Yuan2.0-2B-hf", "IEITYuan/Yuan2-2B-hf", 2.1, 8192, "chat"),
    ("yuan2", "yuan2-51b-hf", "IEITYuan/Yuan2.0-51B-hf", "IEITYuan/Yuan2-51B-hf", 51.8, 4096, "chat"),
    ("yuan2", "yuan2-102b-hf", "IEITYuan/Yuan2.0-102B-hf", "IEITYuan/Yuan2-102B-hf", 102.6, 4096, "chat"),
    ("yuan2", "yuan2-2b-janus-hf", "IEITYuan/Yuan2-2B-Janus-hf", "=", 2.1, 8192, "chat"),
    ("yuan2", "yuan2-m32-hf", "IEITYuan/Yuan2-M32-hf", "=", 40.0, 16384, "chat", "moe"),
]
# fmt: on
