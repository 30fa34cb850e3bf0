"""The ``gemma_reward`` family: Skywork-Reward-Gemma-2-27B (v0.1 and v0.2), reward models.

``Gemma2ForSequenceClassification`` (a scalar score head): task ``seq_cls``, which swiftkit does
not train yet (``--task_type seq_cls`` arrives with issue 13). Data only.
"""

from __future__ import annotations

FAMILIES = {
    "gemma_reward": {
        "name": "Gemma 2 reward models",
        "architecture": "Gemma2ForSequenceClassification",
        "hf_model_type": "gemma2",
        "template": "gemma",
        "decoder_layer_cls": "Gemma2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "task": "seq_cls",
        "support": "unsupported",
        "support_note": "reward model (Gemma2ForSequenceClassification, task seq_cls): swiftkit does not train "
        "--task_type seq_cls yet (issue 13)",
        "requires": ["transformers>=4.42"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma_reward", "skywork-reward-gemma-2-27b", "AI-ModelScope/Skywork-Reward-Gemma-2-27B", "Skywork/Skywork-Reward-Gemma-2-27B", 27.2, 8192, "reward"),
    ("gemma_reward", "skywork-reward-gemma-2-27b-v0.2", "AI-ModelScope/Skywork-Reward-Gemma-2-27B-v0.2", "Skywork/Skywork-Reward-Gemma-2-27B-v0.2", 27.2, 8192, "reward"),
]
# fmt: on
SHAPES: dict = {}
