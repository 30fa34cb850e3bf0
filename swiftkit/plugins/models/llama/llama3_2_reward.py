"""The ``llama3_2_reward`` family: Llama 3.1 / 3.2 reward models (a scalar score head).

``LlamaForSequenceClassification`` checkpoints (Skywork-Reward, GRM): they score a conversation
rather than generate, so their task is ``seq_cls``: loaded with their own score head, the number of
labels (1: a regression score) read from their config.json. Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "llama3_2_reward": {
        "name": "Llama 3.x reward models",
        "architecture": "LlamaForSequenceClassification",
        "hf_model_type": "llama",
        "template": "llama3_2",
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "task": "seq_cls",
        "support": "tested",
        "support_note": "reward model (--task_type seq_cls; LlamaForSequenceClassification with its own score head, "
        "num_labels from its config): a tiny random one scores as its own forward does and trains in tests/test_task_encoders.py",
        "requires": ["transformers>=4.43"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("llama3_2_reward", "skywork-reward-llama-3.1-8b", "AI-ModelScope/Skywork-Reward-Llama-3.1-8B", "Skywork/Skywork-Reward-Llama-3.1-8B", 7.5, 131072, "reward", LC),
    ("llama3_2_reward", "skywork-reward-llama-3.1-8b-v0.2", "AI-ModelScope/Skywork-Reward-Llama-3.1-8B-v0.2", "Skywork/Skywork-Reward-Llama-3.1-8B-v0.2", 7.5, 131072, "reward", LC),
    ("llama3_2_reward", "grm_llama3.1_8b_rewardmodel-ft", "AI-ModelScope/GRM_Llama3.1_8B_rewardmodel-ft", "Ray2333/GRM_Llama3.1_8B_rewardmodel-ft", 7.5, 131072, "reward", LC),
    ("llama3_2_reward", "grm-llama3.2-3b-rewardmodel-ft", "AI-ModelScope/GRM-llama3.2-3B-rewardmodel-ft", "Ray2333/GRM-llama3.2-3B-rewardmodel-ft", 3.21, 131072, "reward", LC),
]
# fmt: on
SHAPES: dict = {}
