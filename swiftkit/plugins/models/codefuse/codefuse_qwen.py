"""CodeFuse-QWen (``model_type`` ``codefuse_qwen``): Ant Group's code model fine-tuned from Qwen-14B.

Same architecture as Qwen-1 (QWenLMHeadModel from the checkpoint's ``modeling_qwen.py``, 8K
context): it loads only with ``--trust_remote_code true``.
"""

from __future__ import annotations

FAMILIES = {
    "codefuse_qwen": {
        "name": "CodeFuse-QWen",
        "architecture": "QWenLMHeadModel",
        "hf_model_type": "qwen",
        "template": "codefuse",
        "decoder_layer_cls": "QWenBlock",
        "lora_target_modules": ["c_attn", "c_proj", "w1", "w2"],
        "support": "remote_code",
        "support_note": "QWenLMHeadModel from the checkpoint's modeling_qwen.py (transformers 5.19 has no class "
        "for model_type 'qwen'): loads only with --trust_remote_code true",
    },
}

# fmt: off
CHECKPOINTS = [
    ("codefuse_qwen", "codefuse-qwen-14b", "codefuse-ai/CodeFuse-QWen-14B", "=", 14.17, 8192, "chat", "code"),
]
# fmt: on
