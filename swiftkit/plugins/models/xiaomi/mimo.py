"""``mimo``: MiMo-7B (base, SFT, RL-Zero, RL, RL-0530), reasoning models on a Qwen2-like trunk
with a multi-token-prediction layer. ``MiMoForCausalLM`` is the checkpoint's own code: remote
code. Parameters 7.8B (MTP layer included); context: ``max_position_embeddings``. Data only."""

from __future__ import annotations

FAMILIES = {
    "mimo": {
        "name": "MiMo",
        "architecture": "MiMoForCausalLM",
        "hf_model_type": "mimo",
        "template": "qwen",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "MiMoForCausalLM from the checkpoint's modeling_mimo.py",
        "requires": ["transformers>=4.37"],
    },
}

_R = ("reasoning", "thinking")

# fmt: off
CHECKPOINTS = [
    ("mimo", "mimo-7b-base", "XiaomiMiMo/MiMo-7B-Base", "=", 7.8, 32768, "base"),
    ("mimo", "mimo-7b-sft", "XiaomiMiMo/MiMo-7B-SFT", "=", 7.8, 32768, "instruct", *_R),
    ("mimo", "mimo-7b-rl-zero", "XiaomiMiMo/MiMo-7B-RL-Zero", "=", 7.8, 32768, "instruct", *_R),
    ("mimo", "mimo-7b-rl", "XiaomiMiMo/MiMo-7B-RL", "=", 7.8, 32768, "instruct", *_R),
    ("mimo", "mimo-7b-rl-0530", "XiaomiMiMo/MiMo-7B-RL-0530", "=", 7.8, 32768, "instruct", *_R, {"template": "mimo_rl"}),
]
# fmt: on
SHAPES: dict = {}
