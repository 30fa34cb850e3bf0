"""ModelScope-Agent (``model_type`` ``modelscope_agent``): agent models fine-tuned from Qwen-7B and
Qwen-14B for tool use, published on ModelScope only.

Qwen-1 architecture (QWenLMHeadModel from the checkpoint's ``modeling_qwen.py``, 8K context): loads
only with ``--trust_remote_code true``.
"""

from __future__ import annotations

FAMILIES = {
    "modelscope_agent": {
        "name": "ModelScope-Agent",
        "architecture": "QWenLMHeadModel",
        "hf_model_type": "qwen",
        "template": "modelscope_agent",
        "decoder_layer_cls": "QWenBlock",
        "lora_target_modules": ["c_attn", "c_proj", "w1", "w2"],
        "support": "remote_code",
        "support_note": "QWenLMHeadModel from the checkpoint's modeling_qwen.py (transformers 5.19 has no class "
        "for model_type 'qwen'): loads only with --trust_remote_code true",
    },
}

# fmt: off
CHECKPOINTS = [
    ("modelscope_agent", "modelscope-agent-7b", "iic/ModelScope-Agent-7B", None, 7.72, 8192, "chat", "agent"),
    ("modelscope_agent", "modelscope-agent-14b", "iic/ModelScope-Agent-14B", None, 14.17, 8192, "chat", "agent"),
]
# fmt: on
