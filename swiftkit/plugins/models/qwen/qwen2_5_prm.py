"""Qwen2.5-Math process reward models (``model_type`` ``qwen2_5_prm`` in ms-swift): they score each
reasoning step, marked by ``<extra_0>``, with a two-way head.

Unsupported: swiftkit has no process-reward task (one score per ``<extra_0>`` step mark, which
``seq_cls``'s one score per conversation is not), and Qwen2ForProcessRewardModel is not in
transformers: it ships with the checkpoint (``modeling_qwen2_rm.py``).
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
        "support_note": "a process reward model (a two-way score at each <extra_0> step mark): swiftkit has no "
        "process-reward task (seq_cls scores a whole conversation once), and Qwen2ForProcessRewardModel is not in "
        "transformers but the checkpoint's own modeling code",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen2_5_prm", "qwen2.5-math-prm-7b", "Qwen/Qwen2.5-Math-PRM-7B", "=", 7.0, 4096, "reward", "math"),
    ("qwen2_5_prm", "qwen2.5-math-7b-prm800k", "Qwen/Qwen2.5-Math-7B-PRM800K", "=", 7.0, 4096, "reward", "math"),
    ("qwen2_5_prm", "qwen2.5-math-prm-72b", "Qwen/Qwen2.5-Math-PRM-72B", "=", 72.0, 4096, "reward", "math"),
]
# fmt: on
