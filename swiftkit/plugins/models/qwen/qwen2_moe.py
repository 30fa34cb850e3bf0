"""Qwen2-MoE (``model_type`` ``qwen2_moe``): Qwen1.5-MoE-A2.7B and Qwen2-57B-A14B.

Qwen2MoeForCausalLM is native in transformers (>= 4.40): top-k routed experts plus one
always-on shared expert with a sigmoid gate. transformers 5 keeps the routed experts' weights
fused in one module (not ``nn.Linear``), so the LoRA targets are the attention projections and
the shared expert's linears.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "qwen2_moe": {
        "name": "Qwen2-MoE",
        "architecture": "Qwen2MoeForCausalLM",
        "hf_model_type": "qwen2_moe",
        "template": "qwen",
        "decoder_layer_cls": "Qwen2MoeDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.qwen.loader:Qwen2MoeLoader",
        "requires": ["transformers>=4.40"],
        "support": "tested",
        "support_note": "Qwen2MoeForCausalLM native in transformers; a tiny model (4 experts, top-2, shared expert) "
        "is trained (LoRA, full), resumed, exported and served by swiftkit's family check",
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions, total),
# context length, kind, extra tags / overrides. Instruct before its GPTQ copy (tiny representative).
# fmt: off
CHECKPOINTS = [
    ("qwen2_moe", "qwen2-57b-a14b-instruct", "Qwen/Qwen2-57B-A14B-Instruct", "=", 57.41, 65536, "instruct", "moe"),
    ("qwen2_moe", "qwen2-57b-a14b", "Qwen/Qwen2-57B-A14B", "=", 57.41, 65536, "base", "moe"),
    ("qwen2_moe", "qwen2-57b-a14b-instruct-gptq-int4", "Qwen/Qwen2-57B-A14B-Instruct-GPTQ-Int4", "=", 57.41, 65536,
     "instruct", "moe"),
    ("qwen2_moe", "qwen1.5-moe-a2.7b-chat", "Qwen/Qwen1.5-MoE-A2.7B-Chat", "=", 14.32, 8192, "chat", "moe"),
    ("qwen2_moe", "qwen1.5-moe-a2.7b", "Qwen/Qwen1.5-MoE-A2.7B", "=", 14.32, 8192, "base", "moe"),
    ("qwen2_moe", "qwen1.5-moe-a2.7b-chat-gptq-int4", "Qwen/Qwen1.5-MoE-A2.7B-Chat-GPTQ-Int4", "=", 14.32, 8192,
     "chat", "moe"),
]

# config.json sizes: hidden, layers, heads, kv heads, dense intermediate, vocab; then the experts
_A14B = {**model_shape(3584, 28, 28, 4, 18944, 151936, tied=False, attention_bias=True),
         "num_experts": 64, "num_experts_per_tok": 8, "moe_intermediate_size": 2560,
         "shared_expert_intermediate_size": 20480}
_A2_7B = {**model_shape(2048, 24, 16, 16, 5632, 151936, tied=False, attention_bias=True),
          "num_experts": 60, "num_experts_per_tok": 4, "moe_intermediate_size": 1408,
          "shared_expert_intermediate_size": 5632}
# fmt: on
SHAPES = {row[1]: _A14B if "57b" in row[1] else _A2_7B for row in CHECKPOINTS}
