"""``internlm``: InternLM 7B and 20B (Llama-like with biased attention projections), remote code.
Context: ``max_position_embeddings``. Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "internlm": {
        "name": "InternLM",
        "architecture": "InternLMForCausalLM",
        "hf_model_type": "internlm",
        "template": "internlm",
        "decoder_layer_cls": "InternLMDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "InternLMForCausalLM from the checkpoint's modeling_internlm.py",
    },
}

# fmt: off
CHECKPOINTS = [
    ("internlm", "internlm-chat-7b", "Shanghai_AI_Laboratory/internlm-chat-7b", "internlm/internlm-chat-7b", 7.32, 2048, "chat"),
    ("internlm", "internlm-7b", "Shanghai_AI_Laboratory/internlm-7b", "internlm/internlm-7b", 7.32, 2048, "base"),
    ("internlm", "internlm-chat-7b-8k", "Shanghai_AI_Laboratory/internlm-chat-7b-8k", None, 7.32, 8192, "chat"),
    ("internlm", "internlm-20b", "Shanghai_AI_Laboratory/internlm-20b", "internlm/internlm-20b", 20.09, 4096, "base"),
    ("internlm", "internlm-chat-20b", "Shanghai_AI_Laboratory/internlm-chat-20b", "internlm/internlm-chat-20b", 20.09, 4096, "chat"),
]
# public config.json sizes: multi-head attention, q/k/v/o biases, untied head
_7B = model_shape(4096, 32, 32, 32, 11008, 103168, tied=False, attention_bias=True)
_20B = model_shape(5120, 60, 40, 40, 13824, 103168, tied=False, attention_bias=True)
# fmt: on
SHAPES = {row[1]: _7B if row[4] < 10 else _20B for row in CHECKPOINTS}
