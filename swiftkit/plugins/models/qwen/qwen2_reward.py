"""Qwen2 reward models (``model_type`` ``qwen2_reward`` in ms-swift): Qwen2-Math-RM-72B and
Qwen2.5-Math-RM-72B, which score a whole answer with a scalar head.

Their class, Qwen2ForRewardModel, ships with the checkpoint (``modeling_qwen2_rm.py``), and
``--task_type seq_cls`` builds ``AutoModelForSequenceClassification``, which this class is not: unsupported.
"""

from __future__ import annotations

FAMILIES = {
    "qwen2_reward": {
        "name": "Qwen2-Math-RM",
        "architecture": "Qwen2ForRewardModel",
        "hf_model_type": "qwen2",
        "template": "qwen",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.37"],
        "task": "seq_cls",
        "support": "unsupported",
        "support_note": "a reward model whose class, Qwen2ForRewardModel, comes from the checkpoint's "
        "modeling_qwen2_rm.py; --task_type seq_cls loads AutoModelForSequenceClassification heads only",
    },
}

# fmt: off
CHECKPOINTS = [
    ("qwen2_reward", "qwen2-math-rm-72b", "Qwen/Qwen2-Math-RM-72B", "=", 72.0, 4096, "reward", "math"),
    ("qwen2_reward", "qwen2.5-math-rm-72b", "Qwen/Qwen2.5-Math-RM-72B", "=", 72.0, 4096, "reward", "math",
     {"template": "qwen2_5_math"}),
]
# fmt: on
