"""``internlm2_reward``: InternLM2 reward models (1.8B, 7B, 20B): the InternLM2 trunk with a
scalar ``v_head`` instead of the language-model head, so their task is ``seq_cls``.

Unsupported: ``InternLM2ForRewardModel`` is the checkpoint's own code (transformers has no
InternLM2) and scores through its own ``v_head`` at the reward token; ``--task_type seq_cls`` loads
a transformers sequence classifier (``AutoModelForSequenceClassification``) and reads its
``score`` head, which this class is not, so even ``--trust_remote_code true`` would not run it.
Parameters: the InternLM2 trunk without its output head. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "internlm2_reward": {
        "name": "InternLM2 reward models",
        "architecture": "InternLM2ForRewardModel",
        "hf_model_type": "internlm2",
        "template": "internlm2_reward",
        "decoder_layer_cls": "InternLM2DecoderLayer",
        "lora_target_modules": ["wqkv", "wo", "w1", "w2", "w3"],
        "task": "seq_cls",
        "support": "unsupported",
        "support_note": "reward model (task seq_cls): InternLM2ForRewardModel is remote code from the checkpoint's "
        "modeling_internlm2.py (transformers has no InternLM2) and scores with its own v_head; --task_type seq_cls "
        "loads a transformers sequence classifier and its score head, which that class is not",
        "requires": ["transformers>=4.38"],
    },
}

_SL = "Shanghai_AI_Laboratory"

# fmt: off
CHECKPOINTS = [
    ("internlm2_reward", "internlm2-1_8b-reward", f"{_SL}/internlm2-1_8b-reward", "internlm/internlm2-1_8b-reward", 1.70, 32768, "reward"),
    ("internlm2_reward", "internlm2-7b-reward", f"{_SL}/internlm2-7b-reward", "internlm/internlm2-7b-reward", 7.36, 32768, "reward"),
    ("internlm2_reward", "internlm2-20b-reward", f"{_SL}/internlm2-20b-reward", "internlm/internlm2-20b-reward", 19.29, 32768, "reward"),
]
# fmt: on
SHAPES: dict = {}
