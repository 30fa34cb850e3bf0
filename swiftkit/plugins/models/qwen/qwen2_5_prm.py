"""Qwen2.5-Math process reward models (``model_type`` ``qwen2_5_prm`` in ms-swift): they score each
reasoning step, marked by ``<extra_0>``, with a two-way head.

Qwen2ForProcessRewardModel ships with the checkpoint (``modeling_qwen2_rm.py``) and swiftkit has
no ``--task_type prm`` yet (issue 13): unsupported.
"""

from __future__ import annotations

FAMILIES = {
    "qwen2_5_prm": {
        "name": "Qwen2.5-Math-PRM",
        "architecture": "Qwen2ForProcessRewardModel",
        "hf_model_type": "qwen2",
        "template": "qwen2_5_math_prm",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.37"],
        "task": "prm",
        "support": "unsupported",
        "support_note": "a process reward model: swiftkit has no --task_type prm yet (issue 13), and "
        "Qwen2ForProcessRewardModel comes from the checkpoint's own modeling code (--trust_remote_code true)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen2_5_prm", "qwen2.5-math-prm-7b", "Qwen/Qwen2.5-Math-PRM-7B", "=", 7.0, 4096, "reward", "math"),
    ("qwen2_5_prm", "qwen2.5-math-7b-prm800k", "Qwen/Qwen2.5-Math-7B-PRM800K", "=", 7.0, 4096, "reward", "math"),
    ("qwen2_5_prm", "qwen2.5-math-prm-72b", "Qwen/Qwen2.5-Math-PRM-72B", "=", 72.0, 4096, "reward", "math"),
]
# fmt: on
