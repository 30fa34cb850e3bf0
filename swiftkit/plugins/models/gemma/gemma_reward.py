"""The ``gemma_reward`` family: Skywork-Reward-Gemma-2-27B (v0.1 and v0.2), reward models.

``Gemma2ForSequenceClassification`` (a scalar score head): task ``seq_cls``, loaded with its own
head, the number of labels read from its config.json. Data only.
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
        "support": "tested",
        "support_note": "reward model (--task_type seq_cls; Gemma2ForSequenceClassification with its own score head, "
        "num_labels from its config): a tiny random one scores as its own forward does and trains in tests/test_task_encoders.py",
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
