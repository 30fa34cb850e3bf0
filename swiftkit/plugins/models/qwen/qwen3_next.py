"""Qwen3-Next (``model_type`` ``qwen3_next``): Qwen3-Next-80B-A3B Instruct/Thinking and Qwen3-Coder-Next.

Qwen3NextForCausalLM is native in transformers (>= 4.57): a hybrid stack where three of every four
layers use gated DeltaNet linear attention (``linear_attn``: ``in_proj_qkvz``, ``in_proj_ba``,
``out_proj``) and the fourth gated full attention, each followed by a sparse MoE block (512 experts,
10 active, one shared expert). ``config.layer_types`` names each layer's kind. Without the
``flash-linear-attention`` / ``causal-conv1d`` kernels transformers runs its PyTorch reference path.
"""

from __future__ import annotations

FAMILIES = {
    "qwen3_next": {
        "name": "Qwen3-Next",
        "architecture": "Qwen3NextForCausalLM",
        "hf_model_type": "qwen3_next",
        "template": "qwen3_nothinking",
        "decoder_layer_cls": "Qwen3NextDecoderLayer",
        "lora_target_modules": [
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "in_proj_qkvz",
            "in_proj_ba",
            "out_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ],
        "loader": "swiftkit.plugins.models.qwen.loader:Qwen3NextLoader",
        "requires": ["transformers>=4.57"],
        "support": "tested",
        "support_note": "Qwen3NextForCausalLM native in transformers; a tiny model (one linear-attention and one "
        "full-attention layer, 4 experts, shared expert) is trained (LoRA, full), resumed, exported and served by "
        "swiftkit's family check",
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope; None: the listing names none),
# parameters (billions, total), context length, kind, extra tags / overrides
# fmt: off
CHECKPOINTS = [
    ("qwen3_next", "qwen3-next-80b-a3b-instruct", "Qwen/Qwen3-Next-80B-A3B-Instruct", None, 80.0, 262144,
     "instruct", "moe"),
    ("qwen3_next", "qwen3-next-80b-a3b-instruct-fp8", "Qwen/Qwen3-Next-80B-A3B-Instruct-FP8", None, 80.0, 262144,
     "instruct", "moe"),
    ("qwen3_next", "qwen3-next-80b-a3b-thinking", "Qwen/Qwen3-Next-80B-A3B-Thinking", None, 80.0, 262144,
     "instruct", "moe", "reasoning", "thinking", {"template": "qwen3_thinking"}),
    ("qwen3_next", "qwen3-next-80b-a3b-thinking-fp8", "Qwen/Qwen3-Next-80B-A3B-Thinking-FP8", None, 80.0, 262144,
     "instruct", "moe", "reasoning", "thinking", {"template": "qwen3_thinking"}),
    ("qwen3_next", "qwen3-coder-next-base", "Qwen/Qwen3-Coder-Next-Base", "=", 80.0, 262144, "base", "moe", "code",
     {"template": "qwen3_coder"}),
    ("qwen3_next", "qwen3-coder-next", "Qwen/Qwen3-Coder-Next", "=", 80.0, 262144, "instruct", "moe", "code",
     {"template": "qwen3_coder"}),
    ("qwen3_next", "qwen3-coder-next-fp8", "Qwen/Qwen3-Coder-Next-FP8", "=", 80.0, 262144, "instruct", "moe", "code",
     {"template": "qwen3_coder"}),
]
# fmt: on
# no SHAPES: swiftkit's shape model has no linear-attention layers, the estimate comes from the count
