"""``internlm2``: InternLM2 and InternLM2.5 (1.8B, 7B, 20B; base, chat, chat-sft, math), remote
code. Fused ``wqkv`` attention and ``w1/w2/w3`` MLP. Context: ``max_position_embeddings``
(32768); internlm2_5-7b-chat-1m: the 1M tokens its card states. Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "internlm2": {
        "name": "InternLM2",
        "architecture": "InternLM2ForCausalLM",
        "hf_model_type": "internlm2",
        "template": "internlm2",
        "decoder_layer_cls": "InternLM2DecoderLayer",
        "lora_target_modules": ["wqkv", "wo", "w1", "w2", "w3"],
        "support": "remote_code",
        "support_note": "InternLM2ForCausalLM from the checkpoint's modeling_internlm2.py",
        "requires": ["transformers>=4.38"],
    },
}

_SL = "Shanghai_AI_Laboratory"

# fmt: off
CHECKPOINTS = [
    ("internlm2", "internlm2-chat-1_8b", f"{_SL}/internlm2-chat-1_8b", "internlm/internlm2-chat-1_8b", 1.89, 32768, "chat"),
    ("internlm2", "internlm2-1_8b", f"{_SL}/internlm2-1_8b", "internlm/internlm2-1_8b", 1.89, 32768, "base"),
    ("internlm2", "internlm2-chat-1_8b-sft", f"{_SL}/internlm2-chat-1_8b-sft", "internlm/internlm2-chat-1_8b-sft", 1.89, 32768, "chat"),
    ("internlm2", "internlm2-base-7b", f"{_SL}/internlm2-base-7b", "internlm/internlm2-base-7b", 7.74, 32768, "base"),
    ("internlm2", "internlm2-7b", f"{_SL}/internlm2-7b", "internlm/internlm2-7b", 7.74, 32768, "base"),
    ("internlm2", "internlm2-chat-7b", f"{_SL}/internlm2-chat-7b", "internlm/internlm2-chat-7b", 7.74, 32768, "chat"),
    ("internlm2", "internlm2-chat-7b-sft", f"{_SL}/internlm2-chat-7b-sft", "internlm/internlm2-chat-7b-sft", 7.74, 32768, "chat"),
    ("internlm2", "internlm2-base-20b", f"{_SL}/internlm2-base-20b", "internlm/internlm2-base-20b", 19.86, 32768, "base"),
    ("internlm2", "internlm2-20b", f"{_SL}/internlm2-20b", "internlm/internlm2-20b", 19.86, 32768, "base"),
    ("internlm2", "internlm2-chat-20b", f"{_SL}/internlm2-chat-20b", "internlm/internlm2-chat-20b", 19.86, 32768, "chat"),
    ("internlm2", "internlm2-chat-20b-sft", f"{_SL}/internlm2-chat-20b-sft", "internlm/internlm2-chat-20b-sft", 19.86, 32768, "chat"),
    ("internlm2", "internlm2-math-7b", f"{_SL}/internlm2-math-7b", "internlm/internlm2-math-7b", 7.74, 32768, "chat", "math"),
    ("internlm2", "internlm2-math-base-7b", f"{_SL}/internlm2-math-base-7b", "internlm/internlm2-math-base-7b", 7.74, 32768, "base", "math"),
    ("internlm2", "internlm2-math-base-20b", f"{_SL}/internlm2-math-base-20b", "internlm/internlm2-math-base-20b", 19.86, 32768, "base", "math"),
    ("internlm2", "internlm2-math-20b", f"{_SL}/internlm2-math-20b", "internlm/internlm2-math-20b", 19.86, 32768, "chat", "math"),
    ("internlm2", "internlm2_5-1_8b-chat", f"{_SL}/internlm2_5-1_8b-chat", "internlm/internlm2_5-1_8b-chat", 1.89, 32768, "chat"),
    ("internlm2", "internlm2_5-1_8b", f"{_SL}/internlm2_5-1_8b", "internlm/internlm2_5-1_8b", 1.89, 32768, "base"),
    ("internlm2", "internlm2_5-7b", f"{_SL}/internlm2_5-7b", "internlm/internlm2_5-7b", 7.74, 32768, "base"),
    ("internlm2", "internlm2_5-7b-chat", f"{_SL}/internlm2_5-7b-chat", "internlm/internlm2_5-7b-chat", 7.74, 32768, "chat"),
    ("internlm2", "internlm2_5-7b-chat-1m", f"{_SL}/internlm2_5-7b-chat-1m", "internlm/internlm2_5-7b-chat-1m", 7.74, 1048576, "chat", "long-context"),
    ("internlm2", "internlm2_5-20b", f"{_SL}/internlm2_5-20b", "internlm/internlm2_5-20b", 19.86, 32768, "base"),
    ("internlm2", "internlm2_5-20b-chat", f"{_SL}/internlm2_5-20b-chat", "internlm/internlm2_5-20b-chat", 19.86, 32768, "chat"),
]
# public config.json sizes (hidden, layers, heads, kv heads, intermediate, vocab), untied head
_SIZES = {
    1.89: model_shape(2048, 24, 16, 8, 8192, 92544, tied=False),
    7.74: model_shape(4096, 32, 32, 8, 14336, 92544, tied=False),
    19.86: model_shape(6144, 48, 48, 8, 16384, 92544, tied=False),
}
# fmt: on
SHAPES = {row[1]: _SIZES[row[4]] for row in CHECKPOINTS}
