"""The ``openbuddy_llama`` family: OpenBuddy's multilingual chat fine-tunes of Llama-architecture
models (LLaMA, Llama 2 / 3 / 3.1 / 3.3, Nemotron-70B, DeepSeek-67B, Yi-1.5-34B).

All ``LlamaForCausalLM``. Parameter counts are those of each base model; the context length is
the one the repository name states (``-8k``, ``-32k``, ``-131k``), else the base model's. Data only.
"""

from __future__ import annotations

LC = "long-context"
OB2 = {"template": "openbuddy2"}

FAMILIES = {
    "openbuddy_llama": {
        "name": "OpenBuddy (Llama architecture)",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": "openbuddy",
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "tested",
        "support_note": "LlamaForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.31"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("openbuddy_llama", "openbuddy-llama-65b-v8-bf16", "OpenBuddy/openbuddy-llama-65b-v8-bf16", "=", 65.29, 2048, "instruct"),
    ("openbuddy_llama", "openbuddy-llama2-13b-v8.1-fp16", "OpenBuddy/openbuddy-llama2-13b-v8.1-fp16", "=", 13.0, 4096, "instruct"),
    ("openbuddy_llama", "openbuddy-llama2-70b-v10.1-bf16", "OpenBuddy/openbuddy-llama2-70b-v10.1-bf16", "=", 69.0, 4096, "instruct"),
    ("openbuddy_llama", "openbuddy-deepseek-67b-v15.2", "OpenBuddy/openbuddy-deepseek-67b-v15.2", "=", 67.0, 4096, "instruct"),
    ("openbuddy_llama", "openbuddy-llama3-8b-v21.1-8k", "OpenBuddy/openbuddy-llama3-8b-v21.1-8k", "=", 8.03, 8192, "instruct", OB2),
    ("openbuddy_llama", "openbuddy-llama3-70b-v21.1-8k", "OpenBuddy/openbuddy-llama3-70b-v21.1-8k", "=", 70.55, 8192, "instruct", OB2),
    ("openbuddy_llama", "openbuddy-yi1.5-34b-v21.3-32k", "OpenBuddy/openbuddy-yi1.5-34b-v21.3-32k", "=", 34.39, 32768, "instruct", OB2),
    ("openbuddy_llama", "openbuddy-llama3.1-8b-v22.1-131k", "OpenBuddy/openbuddy-llama3.1-8b-v22.1-131k", "=", 8.03, 131072, "instruct", LC, {**OB2, "requires": ["transformers>=4.43"]}),
    ("openbuddy_llama", "openbuddy-nemotron-70b-v23.2-131k", "OpenBuddy/openbuddy-nemotron-70b-v23.2-131k", "=", 70.55, 131072, "instruct", LC, {**OB2, "requires": ["transformers>=4.43"]}),
    ("openbuddy_llama", "openbuddy-llama3.3-70b-v24.3-131k", "OpenBuddy/openbuddy-llama3.3-70b-v24.3-131k", "=", 70.55, 131072, "instruct", LC, {**OB2, "requires": ["transformers>=4.45"]}),
]
# fmt: on
SHAPES: dict = {}
