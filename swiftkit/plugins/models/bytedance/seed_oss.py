"""Seed-OSS 36B (ms-swift model type ``seed_oss``): ByteDance Seed's dense model with a thinking
budget, 512K context; the instruct model, the base model, and the base model trained without
synthetic instruction data (``-woSyn``).
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "seed_oss": {
        "name": "Seed-OSS",
        "architecture": "SeedOssForCausalLM",
        "hf_model_type": "seed_oss",
        "template": "seed_oss",
        "decoder_layer_cls": "SeedOssDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.bytedance.loader:SeedOssLoader",
        "requires": ["transformers>=4.56"],
        "support": "tested",
        "support_note": "SeedOssForCausalLM is native in transformers 5.19; a tiny model (q/k/v biases) passes "
        "the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("seed_oss", "seed-oss-36b-instruct", "ByteDance-Seed/Seed-OSS-36B-Instruct", "=", 36.15, 524288, "instruct",
     "thinking", "long-context"),
    ("seed_oss", "seed-oss-36b-base", "ByteDance-Seed/Seed-OSS-36B-Base", "=", 36.15, 524288, "base", "long-context"),
    ("seed_oss", "seed-oss-36b-base-wosyn", "ByteDance-Seed/Seed-OSS-36B-Base-woSyn", "=", 36.15, 524288, "base",
     "long-context"),
]
# fmt: on

# config.json: 64 layers, 80 query / 8 key-value heads of 128, q/k/v biases, untied head
_SHAPE = model_shape(5120, 64, 80, 8, 27648, 155136, tied=False, head_dim=128, attention_bias=True)
SHAPES = {row[1]: _SHAPE for row in CHECKPOINTS}
