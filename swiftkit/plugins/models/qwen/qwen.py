"""Qwen-1 (``model_type`` ``qwen``): Qwen-1.8B/7B/14B/72B and their chat, GPTQ and finance models.

QWenLMHeadModel ships with each checkpoint (``modeling_qwen.py``); transformers 5.19 has no class
for it, so the family loads only with ``--trust_remote_code true``. The plain ``-Int4``/``-Int8``
names are GPTQ checkpoints (their ``quantization_config`` says so), which the hub name alone
does not tell. Context lengths are the Qwen README's "max length" per size (32K, 32K, 8K, 32K).
"""

from __future__ import annotations

FAMILIES = {
    "qwen": {
        "name": "Qwen",
        "architecture": "QWenLMHeadModel",
        "hf_model_type": "qwen",
        "template": "qwen",
        "decoder_layer_cls": "QWenBlock",
        "lora_target_modules": ["c_attn", "c_proj", "w1", "w2"],
        "support": "remote_code",
        "support_note": "QWenLMHeadModel from the checkpoint's modeling_qwen.py (transformers 5.19 has no class "
        "for model_type 'qwen'): loads only with --trust_remote_code true",
    },
}

_GPTQ4 = {"quant_method": "gptq", "quant_bits": 4}
_GPTQ8 = {"quant_method": "gptq", "quant_bits": 8}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length, kind, extra tags / per-row overrides
# fmt: off
CHECKPOINTS = [
    ("qwen", "qwen-1_8b", "Qwen/Qwen-1_8B", "=", 1.84, 32768, "base"),
    ("qwen", "qwen-1_8b-chat", "Qwen/Qwen-1_8B-Chat", "=", 1.84, 32768, "chat"),
    ("qwen", "qwen-7b", "Qwen/Qwen-7B", "=", 7.72, 32768, "base"),
    ("qwen", "qwen-7b-chat", "Qwen/Qwen-7B-Chat", "=", 7.72, 32768, "chat"),
    ("qwen", "qwen-14b", "Qwen/Qwen-14B", "=", 14.17, 8192, "base"),
    ("qwen", "qwen-14b-chat", "Qwen/Qwen-14B-Chat", "=", 14.17, 8192, "chat"),
    ("qwen", "qwen-72b", "Qwen/Qwen-72B", "=", 72.29, 32768, "base"),
    ("qwen", "qwen-72b-chat", "Qwen/Qwen-72B-Chat", "=", 72.29, 32768, "chat"),
    ("qwen", "qwen-1_8b-chat-int4", "Qwen/Qwen-1_8B-Chat-Int4", "=", 1.84, 32768, "chat", _GPTQ4),
    ("qwen", "qwen-7b-chat-int4", "Qwen/Qwen-7B-Chat-Int4", "=", 7.72, 32768, "chat", _GPTQ4),
    ("qwen", "qwen-14b-chat-int4", "Qwen/Qwen-14B-Chat-Int4", "=", 14.17, 8192, "chat", _GPTQ4),
    ("qwen", "qwen-72b-chat-int4", "Qwen/Qwen-72B-Chat-Int4", "=", 72.29, 32768, "chat", _GPTQ4),
    ("qwen", "qwen-1_8b-chat-int8", "Qwen/Qwen-1_8B-Chat-Int8", "=", 1.84, 32768, "chat", _GPTQ8),
    ("qwen", "qwen-7b-chat-int8", "Qwen/Qwen-7B-Chat-Int8", "=", 7.72, 32768, "chat", _GPTQ8),
    ("qwen", "qwen-14b-chat-int8", "Qwen/Qwen-14B-Chat-Int8", "=", 14.17, 8192, "chat", _GPTQ8),
    ("qwen", "qwen-72b-chat-int8", "Qwen/Qwen-72B-Chat-Int8", "=", 72.29, 32768, "chat", _GPTQ8),
    # Tongyi-Finance: Qwen-14B further trained on finance text (same architecture and context)
    ("qwen", "tongyi-finance-14b", "TongyiFinance/Tongyi-Finance-14B", None, 14.17, 8192, "base", "finance"),
    ("qwen", "tongyi-finance-14b-chat", "TongyiFinance/Tongyi-Finance-14B-Chat", "jxy/Tongyi-Finance-14B-Chat",
     14.17, 8192, "chat", "finance"),
    ("qwen", "tongyi-finance-14b-chat-int4", "TongyiFinance/Tongyi-Finance-14B-Chat-Int4",
     "jxy/Tongyi-Finance-14B-Chat-Int4", 14.17, 8192, "chat", "finance", _GPTQ4),
]
# fmt: on
