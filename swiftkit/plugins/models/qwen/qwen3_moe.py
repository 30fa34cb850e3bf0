"""Qwen3-MoE (``model_type`` ``qwen3_moe``): Qwen3-30B-A3B, Qwen3-235B-A22B, their 2507 Instruct /
Thinking releases, Qwen3-Coder, and models trained on the architecture (Tongyi-DeepResearch,
QwenLong-L1.5, AIDC's Marco-Nano/Mini).

Qwen3MoeForCausalLM is native in transformers (>= 4.51): 128 routed experts, 8 active, no shared
expert, q/k norms. transformers 5 keeps the experts' weights fused (not ``nn.Linear``), so the
LoRA targets are the attention projections.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "qwen3_moe": {
        "name": "Qwen3-MoE",
        "architecture": "Qwen3MoeForCausalLM",
        "hf_model_type": "qwen3_moe",
        "template": "qwen3",
        "decoder_layer_cls": "Qwen3MoeDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.qwen.loader:Qwen3MoeLoader",
        "requires": ["transformers>=4.51"],
        "support": "tested",
        "support_note": "Qwen3MoeForCausalLM native in transformers; a tiny model (4 experts, top-2, q/k norms) is "
        "trained (LoRA, full), resumed, exported and served by swiftkit's family check",
    },
}

_THINK = ("reasoning", "thinking")
_NOTHINK = {"template": "qwen3_nothinking"}
_THINKING = {"template": "qwen3_thinking"}
_CODER = {"template": "qwen3_coder"}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions, total),
# context length, kind, extra tags / overrides
# fmt: off
CHECKPOINTS = [
    ("qwen3_moe", "qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B", "=", 30.53, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "qwen3-30b-a3b-base", "Qwen/Qwen3-30B-A3B-Base", "=", 30.53, 32768, "base", "moe"),
    ("qwen3_moe", "qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B", "=", 235.09, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "qwen3-30b-a3b-fp8", "Qwen/Qwen3-30B-A3B-FP8", "=", 30.53, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "qwen3-235b-a22b-fp8", "Qwen/Qwen3-235B-A22B-FP8", "=", 235.09, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "qwen3-30b-a3b-awq", "swift/Qwen3-30B-A3B-AWQ", "cognitivecomputations/Qwen3-30B-A3B-AWQ",
     30.53, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "qwen3-235b-a22b-awq", "swift/Qwen3-235B-A22B-AWQ", "cognitivecomputations/Qwen3-235B-A22B-AWQ",
     235.09, 32768, "instruct", "moe", *_THINK),
    ("qwen3_moe", "tongyi-deepresearch-30b-a3b", "iic/Tongyi-DeepResearch-30B-A3B",
     "Alibaba-NLP/Tongyi-DeepResearch-30B-A3B", 30.53, 131072, "instruct", "moe", *_THINK, "agent"),
    # 2507 Instruct (no thinking), 256K context
    ("qwen3_moe", "qwen3-30b-a3b-instruct-2507", "Qwen/Qwen3-30B-A3B-Instruct-2507", "=", 30.53, 262144,
     "instruct", "moe", _NOTHINK),
    ("qwen3_moe", "qwen3-30b-a3b-instruct-2507-fp8", "Qwen/Qwen3-30B-A3B-Instruct-2507-FP8", "=", 30.53, 262144,
     "instruct", "moe", _NOTHINK),
    ("qwen3_moe", "qwen3-235b-a22b-instruct-2507", "Qwen/Qwen3-235B-A22B-Instruct-2507", "=", 235.09, 262144,
     "instruct", "moe", _NOTHINK),
    ("qwen3_moe", "qwen3-235b-a22b-instruct-2507-fp8", "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "=", 235.09,
     262144, "instruct", "moe", _NOTHINK),
    ("qwen3_moe", "qwen3-235b-a22b-instruct-2507-awq", "swift/Qwen3-235B-A22B-Instruct-2507-AWQ", None, 235.09,
     262144, "instruct", "moe", _NOTHINK),
    # Qwen3-Coder, 256K context
    ("qwen3_moe", "qwen3-coder-30b-a3b-instruct", "Qwen/Qwen3-Coder-30B-A3B-Instruct", "=", 30.53, 262144,
     "instruct", "moe", "code", _CODER),
    ("qwen3_moe", "qwen3-coder-30b-a3b-instruct-fp8", "Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8", "=", 30.53, 262144,
     "instruct", "moe", "code", _CODER),
    ("qwen3_moe", "qwen3-coder-480b-a35b-instruct", "Qwen/Qwen3-Coder-480B-A35B-Instruct", "=", 480.15, 262144,
     "instruct", "moe", "code", _CODER),
    ("qwen3_moe", "qwen3-coder-480b-a35b-instruct-fp8", "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8", "=", 480.15,
     262144, "instruct", "moe", "code", _CODER),
    ("qwen3_moe", "qwen3-coder-480b-a35b-instruct-awq", "swift/Qwen3-Coder-480B-A35B-Instruct-AWQ", None, 480.15,
     262144, "instruct", "moe", "code", _CODER),
    # 2507 Thinking, 256K context
    ("qwen3_moe", "qwen3-30b-a3b-thinking-2507", "Qwen/Qwen3-30B-A3B-Thinking-2507", "=", 30.53, 262144,
     "instruct", "moe", *_THINK, _THINKING),
    ("qwen3_moe", "qwen3-30b-a3b-thinking-2507-fp8", "Qwen/Qwen3-30B-A3B-Thinking-2507-FP8", "=", 30.53, 262144,
     "instruct", "moe", *_THINK, _THINKING),
    ("qwen3_moe", "qwen3-235b-a22b-thinking-2507", "Qwen/Qwen3-235B-A22B-Thinking-2507", "=", 235.09, 262144,
     "instruct", "moe", *_THINK, _THINKING),
    ("qwen3_moe", "qwen3-235b-a22b-thinking-2507-fp8", "Qwen/Qwen3-235B-A22B-Thinking-2507-FP8", "=", 235.09,
     262144, "instruct", "moe", *_THINK, _THINKING),
    ("qwen3_moe", "qwen3-235b-a22b-thinking-2507-awq", "swift/Qwen3-235B-A22B-Thinking-2507-AWQ", None, 235.09,
     262144, "instruct", "moe", *_THINK, _THINKING),
    ("qwen3_moe", "qwenlong-l1.5-30b-a3b", "iic/QwenLong-L1.5-30B-A3B", "Tongyi-Zhiwen/QwenLong-L1.5-30B-A3B",
     30.53, 262144, "instruct", "moe", *_THINK, _THINKING),
    # AIDC-AI Marco-MoE: upcycled from Qwen3-0.6B-Base (8B total / 0.6B active; 17.3B / 0.86B)
    ("qwen3_moe", "marco-nano-base", "AIDC-AI/Marco-Nano-Base", "=", 8.0, 32768, "base", "moe", _NOTHINK),
    ("qwen3_moe", "marco-nano-instruct", "AIDC-AI/Marco-Nano-Instruct", "=", 8.0, 32768, "instruct", "moe",
     _NOTHINK),
    ("qwen3_moe", "marco-mini-base", "AIDC-AI/Marco-Mini-Base", "=", 17.3, 32768, "base", "moe", _NOTHINK),
    ("qwen3_moe", "marco-mini-instruct", "AIDC-AI/Marco-Mini-Instruct", "=", 17.3, 32768, "instruct", "moe",
     _NOTHINK),
    ("qwen3_moe", "marco-mini-global-base", "AIDC-AI/Marco-Mini-Global-Base", "=", 17.3, 32768, "base", "moe",
     _NOTHINK),
]


# config.json sizes (head_dim 128): hidden, layers, heads, kv heads, dense intermediate, vocab; experts
_SIZES = {
    "30b-a3b": {**model_shape(2048, 48, 32, 4, 6144, 151936, tied=False, head_dim=128),
                "num_experts": 128, "num_experts_per_tok": 8, "moe_intermediate_size": 768},
    "235b-a22b": {**model_shape(4096, 94, 64, 4, 12288, 151936, tied=False, head_dim=128),
                  "num_experts": 128, "num_experts_per_tok": 8, "moe_intermediate_size": 1536},
    "480b-a35b": {**model_shape(6144, 62, 96, 8, 8192, 151936, tied=False, head_dim=128),
                  "num_experts": 160, "num_experts_per_tok": 8, "moe_intermediate_size": 2560},
    "marco-mini": {**model_shape(1024, 28, 16, 8, 3072, 151936, tied=True, head_dim=128),
                   "num_experts": 256, "num_experts_per_tok": 8, "moe_intermediate_size": 768},
}
# fmt: on
SHAPES = {
    row[1]: shape
    for row in CHECKPOINTS
    for key, shape in _SIZES.items()
    if key in row[1] and not row[1].startswith(("tongyi-", "qwenlong-"))
}
