"""Qwen2 architecture (``model_type`` ``qwen2``): Qwen1.5, CodeQwen1.5, Qwen2, Qwen2.5 (and their
Coder, Math and 1M-context models), QwQ, and the models others trained on it (DeepSeek-R1
distills, Marco-o1, SmallThinker, Kimi-Dev, QwenLong-L1).

Qwen2ForCausalLM is native in transformers (>= 4.37): q/k/v projections with biases, untied head
from 7B up. The template is the listing's per checkpoint (``qwen`` for Qwen1.5/Qwen2, ``qwen2_5``
for Qwen2.5, ...).
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "qwen2": {
        "name": "Qwen2",
        "architecture": "Qwen2ForCausalLM",
        "hf_model_type": "qwen2",
        "template": "qwen",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "requires": ["transformers>=4.37"],
        "support": "tested",
        "support_note": "Qwen2ForCausalLM native in transformers; a tiny model is trained (LoRA, full), resumed, "
        "exported and served by swiftkit's family check",
    },
}

_Q25 = {"template": "qwen2_5"}
_Q25_MATH = {"template": "qwen2_5_math"}
_R1 = {"template": "deepseek_r1"}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / model card), kind, extra tags / overrides.
# Qwen2.5 comes first: its 0.5B instruct model is the family's tiny-model representative.
# fmt: off
CHECKPOINTS = [
    # Qwen2.5
    ("qwen2", "qwen2.5-0.5b-instruct", "Qwen/Qwen2.5-0.5B-Instruct", "=", 0.49, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-1.5b-instruct", "Qwen/Qwen2.5-1.5B-Instruct", "=", 1.54, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-3b-instruct", "Qwen/Qwen2.5-3B-Instruct", "=", 3.09, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "=", 7.62, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-14b-instruct", "Qwen/Qwen2.5-14B-Instruct", "=", 14.77, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-32b-instruct", "Qwen/Qwen2.5-32B-Instruct", "=", 32.76, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-72b-instruct", "Qwen/Qwen2.5-72B-Instruct", "=", 72.71, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", "=", 0.49, 32768, "base", _Q25),
    ("qwen2", "qwen2.5-1.5b", "Qwen/Qwen2.5-1.5B", "=", 1.54, 32768, "base", _Q25),
    ("qwen2", "qwen2.5-3b", "Qwen/Qwen2.5-3B", "=", 3.09, 32768, "base", _Q25),
    ("qwen2", "qwen2.5-7b", "Qwen/Qwen2.5-7B", "=", 7.62, 131072, "base", _Q25),
    ("qwen2", "qwen2.5-14b", "Qwen/Qwen2.5-14B", "=", 14.77, 131072, "base", _Q25),
    ("qwen2", "qwen2.5-32b", "Qwen/Qwen2.5-32B", "=", 32.76, 131072, "base", _Q25),
    ("qwen2", "qwen2.5-72b", "Qwen/Qwen2.5-72B", "=", 72.71, 131072, "base", _Q25),
    ("qwen2", "qwen2.5-0.5b-instruct-gptq-int4", "Qwen/Qwen2.5-0.5B-Instruct-GPTQ-Int4", "=", 0.49, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-1.5b-instruct-gptq-int4", "Qwen/Qwen2.5-1.5B-Instruct-GPTQ-Int4", "=", 1.54, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-3b-instruct-gptq-int4", "Qwen/Qwen2.5-3B-Instruct-GPTQ-Int4", "=", 3.09, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-7b-instruct-gptq-int4", "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", "=", 7.62, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-14b-instruct-gptq-int4", "Qwen/Qwen2.5-14B-Instruct-GPTQ-Int4", "=", 14.77, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-32b-instruct-gptq-int4", "Qwen/Qwen2.5-32B-Instruct-GPTQ-Int4", "=", 32.76, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-72b-instruct-gptq-int4", "Qwen/Qwen2.5-72B-Instruct-GPTQ-Int4", "=", 72.71, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-0.5b-instruct-gptq-int8", "Qwen/Qwen2.5-0.5B-Instruct-GPTQ-Int8", "=", 0.49, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-1.5b-instruct-gptq-int8", "Qwen/Qwen2.5-1.5B-Instruct-GPTQ-Int8", "=", 1.54, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-3b-instruct-gptq-int8", "Qwen/Qwen2.5-3B-Instruct-GPTQ-Int8", "=", 3.09, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-7b-instruct-gptq-int8", "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8", "=", 7.62, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-14b-instruct-gptq-int8", "Qwen/Qwen2.5-14B-Instruct-GPTQ-Int8", "=", 14.77, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-32b-instruct-gptq-int8", "Qwen/Qwen2.5-32B-Instruct-GPTQ-Int8", "=", 32.76, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-72b-instruct-gptq-int8", "Qwen/Qwen2.5-72B-Instruct-GPTQ-Int8", "=", 72.71, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-0.5b-instruct-awq", "Qwen/Qwen2.5-0.5B-Instruct-AWQ", "=", 0.49, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-1.5b-instruct-awq", "Qwen/Qwen2.5-1.5B-Instruct-AWQ", "=", 1.54, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-3b-instruct-awq", "Qwen/Qwen2.5-3B-Instruct-AWQ", "=", 3.09, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-7b-instruct-awq", "Qwen/Qwen2.5-7B-Instruct-AWQ", "=", 7.62, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-14b-instruct-awq", "Qwen/Qwen2.5-14B-Instruct-AWQ", "=", 14.77, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-32b-instruct-awq", "Qwen/Qwen2.5-32B-Instruct-AWQ", "=", 32.76, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-72b-instruct-awq", "Qwen/Qwen2.5-72B-Instruct-AWQ", "=", 72.71, 32768, "instruct", _Q25),
    ("qwen2", "qwen2.5-7b-instruct-1m", "Qwen/Qwen2.5-7B-Instruct-1M", "=", 7.62, 1010000, "instruct"),
    ("qwen2", "qwen2.5-14b-instruct-1m", "Qwen/Qwen2.5-14B-Instruct-1M", "=", 14.77, 1010000, "instruct"),
    # Qwen2.5-Coder (context: 32K up to 3B; the card's 128K from 7B up)
    ("qwen2", "qwen2.5-coder-0.5b-instruct", "Qwen/Qwen2.5-Coder-0.5B-Instruct", "=", 0.49, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-1.5b-instruct", "Qwen/Qwen2.5-Coder-1.5B-Instruct", "=", 1.54, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-3b-instruct", "Qwen/Qwen2.5-Coder-3B-Instruct", "=", 3.09, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-7b-instruct", "Qwen/Qwen2.5-Coder-7B-Instruct", "=", 7.62, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-14b-instruct", "Qwen/Qwen2.5-Coder-14B-Instruct", "=", 14.77, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-32b-instruct", "Qwen/Qwen2.5-Coder-32B-Instruct", "=", 32.76, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-0.5b", "Qwen/Qwen2.5-Coder-0.5B", "=", 0.49, 32768, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-1.5b", "Qwen/Qwen2.5-Coder-1.5B", "=", 1.54, 32768, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-3b", "Qwen/Qwen2.5-Coder-3B", "=", 3.09, 32768, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-7b", "Qwen/Qwen2.5-Coder-7B", "=", 7.62, 131072, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-14b", "Qwen/Qwen2.5-Coder-14B", "=", 14.77, 131072, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-32b", "Qwen/Qwen2.5-Coder-32B", "=", 32.76, 131072, "base", "code", _Q25),
    ("qwen2", "qwen2.5-coder-0.5b-instruct-awq", "Qwen/Qwen2.5-Coder-0.5B-Instruct-AWQ", "=", 0.49, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-1.5b-instruct-awq", "Qwen/Qwen2.5-Coder-1.5B-Instruct-AWQ", "=", 1.54, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-3b-instruct-awq", "Qwen/Qwen2.5-Coder-3B-Instruct-AWQ", "=", 3.09, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-7b-instruct-awq", "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ", "=", 7.62, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-14b-instruct-awq", "Qwen/Qwen2.5-Coder-14B-Instruct-AWQ", "=", 14.77, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-32b-instruct-awq", "Qwen/Qwen2.5-Coder-32B-Instruct-AWQ", "=", 32.76, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-0.5b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-0.5B-Instruct-GPTQ-Int4", "=", 0.49, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-0.5b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-0.5B-Instruct-GPTQ-Int8", "=", 0.49, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-1.5b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GPTQ-Int4", "=", 1.54, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-1.5b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-1.5B-Instruct-GPTQ-Int8", "=", 1.54, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-3b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-3B-Instruct-GPTQ-Int4", "=", 3.09, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-3b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-3B-Instruct-GPTQ-Int8", "=", 3.09, 32768, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-7b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-7B-Instruct-GPTQ-Int4", "=", 7.62, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-7b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-7B-Instruct-GPTQ-Int8", "=", 7.62, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-14b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-14B-Instruct-GPTQ-Int4", "=", 14.77, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-14b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-14B-Instruct-GPTQ-Int8", "=", 14.77, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-32b-instruct-gptq-int4", "Qwen/Qwen2.5-Coder-32B-Instruct-GPTQ-Int4", "=", 32.76, 131072, "instruct", "code", _Q25),
    ("qwen2", "qwen2.5-coder-32b-instruct-gptq-int8", "Qwen/Qwen2.5-Coder-32B-Instruct-GPTQ-Int8", "=", 32.76, 131072, "instruct", "code", _Q25),
    ("qwen2", "kimi-dev-72b", "moonshotai/Kimi-Dev-72B", "=", 72.71, 131072, "instruct", "code", _Q25),
    # Qwen2.5-Math (4K context)
    ("qwen2", "qwen2.5-math-1.5b-instruct", "Qwen/Qwen2.5-Math-1.5B-Instruct", "=", 1.54, 4096, "instruct", "math", _Q25_MATH),
    ("qwen2", "qwen2.5-math-7b-instruct", "Qwen/Qwen2.5-Math-7B-Instruct", "=", 7.62, 4096, "instruct", "math", _Q25_MATH),
    ("qwen2", "qwen2.5-math-72b-instruct", "Qwen/Qwen2.5-Math-72B-Instruct", "=", 72.71, 4096, "instruct", "math", _Q25_MATH),
    ("qwen2", "qwen2.5-math-1.5b", "Qwen/Qwen2.5-Math-1.5B", "=", 1.54, 4096, "base", "math", _Q25_MATH),
    ("qwen2", "qwen2.5-math-7b", "Qwen/Qwen2.5-Math-7B", "=", 7.62, 4096, "base", "math", _Q25_MATH),
    ("qwen2", "qwen2.5-math-72b", "Qwen/Qwen2.5-Math-72B", "=", 72.71, 4096, "base", "math", _Q25_MATH),
    # Qwen2
    ("qwen2", "qwen2-0.5b-instruct", "Qwen/Qwen2-0.5B-Instruct", "=", 0.49, 32768, "instruct"),
    ("qwen2", "qwen2-1.5b-instruct", "Qwen/Qwen2-1.5B-Instruct", "=", 1.54, 32768, "instruct"),
    ("qwen2", "qwen2-7b-instruct", "Qwen/Qwen2-7B-Instruct", "=", 7.62, 32768, "instruct"),
    ("qwen2", "qwen2-72b-instruct", "Qwen/Qwen2-72B-Instruct", "=", 72.71, 32768, "instruct"),
    ("qwen2", "qwen2-0.5b", "Qwen/Qwen2-0.5B", "=", 0.49, 32768, "base"),
    ("qwen2", "qwen2-1.5b", "Qwen/Qwen2-1.5B", "=", 1.54, 32768, "base"),
    ("qwen2", "qwen2-7b", "Qwen/Qwen2-7B", "=", 7.62, 131072, "base"),
    ("qwen2", "qwen2-72b", "Qwen/Qwen2-72B", "=", 72.71, 131072, "base"),
    ("qwen2", "qwen2-0.5b-instruct-gptq-int4", "Qwen/Qwen2-0.5B-Instruct-GPTQ-Int4", "=", 0.49, 32768, "instruct"),
    ("qwen2", "qwen2-1.5b-instruct-gptq-int4", "Qwen/Qwen2-1.5B-Instruct-GPTQ-Int4", "=", 1.54, 32768, "instruct"),
    ("qwen2", "qwen2-7b-instruct-gptq-int4", "Qwen/Qwen2-7B-Instruct-GPTQ-Int4", "=", 7.62, 32768, "instruct"),
    ("qwen2", "qwen2-72b-instruct-gptq-int4", "Qwen/Qwen2-72B-Instruct-GPTQ-Int4", "=", 72.71, 32768, "instruct"),
    ("qwen2", "qwen2-0.5b-instruct-gptq-int8", "Qwen/Qwen2-0.5B-Instruct-GPTQ-Int8", "=", 0.49, 32768, "instruct"),
    ("qwen2", "qwen2-1.5b-instruct-gptq-int8", "Qwen/Qwen2-1.5B-Instruct-GPTQ-Int8", "=", 1.54, 32768, "instruct"),
    ("qwen2", "qwen2-7b-instruct-gptq-int8", "Qwen/Qwen2-7B-Instruct-GPTQ-Int8", "=", 7.62, 32768, "instruct"),
    ("qwen2", "qwen2-72b-instruct-gptq-int8", "Qwen/Qwen2-72B-Instruct-GPTQ-Int8", "=", 72.71, 32768, "instruct"),
    ("qwen2", "qwen2-0.5b-instruct-awq", "Qwen/Qwen2-0.5B-Instruct-AWQ", "=", 0.49, 32768, "instruct"),
    ("qwen2", "qwen2-1.5b-instruct-awq", "Qwen/Qwen2-1.5B-Instruct-AWQ", "=", 1.54, 32768, "instruct"),
    ("qwen2", "qwen2-7b-instruct-awq", "Qwen/Qwen2-7B-Instruct-AWQ", "=", 7.62, 32768, "instruct"),
    ("qwen2", "qwen2-72b-instruct-awq", "Qwen/Qwen2-72B-Instruct-AWQ", "=", 72.71, 32768, "instruct"),
    # Qwen2-Math (4K context)
    ("qwen2", "qwen2-math-1.5b-instruct", "Qwen/Qwen2-Math-1.5B-Instruct", "=", 1.54, 4096, "instruct", "math"),
    ("qwen2", "qwen2-math-7b-instruct", "Qwen/Qwen2-Math-7B-Instruct", "=", 7.62, 4096, "instruct", "math"),
    ("qwen2", "qwen2-math-72b-instruct", "Qwen/Qwen2-Math-72B-Instruct", "=", 72.71, 4096, "instruct", "math"),
    ("qwen2", "qwen2-math-1.5b", "Qwen/Qwen2-Math-1.5B", "=", 1.54, 4096, "base", "math"),
    ("qwen2", "qwen2-math-7b", "Qwen/Qwen2-Math-7B", "=", 7.62, 4096, "base", "math"),
    ("qwen2", "qwen2-math-72b", "Qwen/Qwen2-Math-72B", "=", 72.71, 4096, "base", "math"),
    # Qwen1.5 (32K context) and CodeQwen1.5 (64K)
    ("qwen2", "qwen1.5-0.5b-chat", "Qwen/Qwen1.5-0.5B-Chat", "=", 0.62, 32768, "chat"),
    ("qwen2", "qwen1.5-1.8b-chat", "Qwen/Qwen1.5-1.8B-Chat", "=", 1.84, 32768, "chat"),
    ("qwen2", "qwen1.5-4b-chat", "Qwen/Qwen1.5-4B-Chat", "=", 3.95, 32768, "chat"),
    ("qwen2", "qwen1.5-7b-chat", "Qwen/Qwen1.5-7B-Chat", "=", 7.72, 32768, "chat"),
    ("qwen2", "qwen1.5-14b-chat", "Qwen/Qwen1.5-14B-Chat", "=", 14.17, 32768, "chat"),
    ("qwen2", "qwen1.5-32b-chat", "Qwen/Qwen1.5-32B-Chat", "=", 32.51, 32768, "chat"),
    ("qwen2", "qwen1.5-72b-chat", "Qwen/Qwen1.5-72B-Chat", "=", 72.29, 32768, "chat"),
    ("qwen2", "qwen1.5-110b-chat", "Qwen/Qwen1.5-110B-Chat", "=", 111.21, 32768, "chat"),
    ("qwen2", "qwen1.5-0.5b", "Qwen/Qwen1.5-0.5B", "=", 0.62, 32768, "base"),
    ("qwen2", "qwen1.5-1.8b", "Qwen/Qwen1.5-1.8B", "=", 1.84, 32768, "base"),
    ("qwen2", "qwen1.5-4b", "Qwen/Qwen1.5-4B", "=", 3.95, 32768, "base"),
    ("qwen2", "qwen1.5-7b", "Qwen/Qwen1.5-7B", "=", 7.72, 32768, "base"),
    ("qwen2", "qwen1.5-14b", "Qwen/Qwen1.5-14B", "=", 14.17, 32768, "base"),
    ("qwen2", "qwen1.5-32b", "Qwen/Qwen1.5-32B", "=", 32.51, 32768, "base"),
    ("qwen2", "qwen1.5-72b", "Qwen/Qwen1.5-72B", "=", 72.29, 32768, "base"),
    ("qwen2", "qwen1.5-110b", "Qwen/Qwen1.5-110B", "=", 111.21, 32768, "base"),
    ("qwen2", "qwen1.5-0.5b-chat-gptq-int4", "Qwen/Qwen1.5-0.5B-Chat-GPTQ-Int4", "=", 0.62, 32768, "chat"),
    ("qwen2", "qwen1.5-1.8b-chat-gptq-int4", "Qwen/Qwen1.5-1.8B-Chat-GPTQ-Int4", "=", 1.84, 32768, "chat"),
    ("qwen2", "qwen1.5-4b-chat-gptq-int4", "Qwen/Qwen1.5-4B-Chat-GPTQ-Int4", "=", 3.95, 32768, "chat"),
    ("qwen2", "qwen1.5-7b-chat-gptq-int4", "Qwen/Qwen1.5-7B-Chat-GPTQ-Int4", "=", 7.72, 32768, "chat"),
    ("qwen2", "qwen1.5-14b-chat-gptq-int4", "Qwen/Qwen1.5-14B-Chat-GPTQ-Int4", "=", 14.17, 32768, "chat"),
    ("qwen2", "qwen1.5-32b-chat-gptq-int4", "Qwen/Qwen1.5-32B-Chat-GPTQ-Int4", "=", 32.51, 32768, "chat"),
    ("qwen2", "qwen1.5-72b-chat-gptq-int4", "Qwen/Qwen1.5-72B-Chat-GPTQ-Int4", "=", 72.29, 32768, "chat"),
    ("qwen2", "qwen1.5-110b-chat-gptq-int4", "Qwen/Qwen1.5-110B-Chat-GPTQ-Int4", "=", 111.21, 32768, "chat"),
    ("qwen2", "qwen1.5-0.5b-chat-gptq-int8", "Qwen/Qwen1.5-0.5B-Chat-GPTQ-Int8", "=", 0.62, 32768, "chat"),
    ("qwen2", "qwen1.5-1.8b-chat-gptq-int8", "Qwen/Qwen1.5-1.8B-Chat-GPTQ-Int8", "=", 1.84, 32768, "chat"),
    ("qwen2", "qwen1.5-4b-chat-gptq-int8", "Qwen/Qwen1.5-4B-Chat-GPTQ-Int8", "=", 3.95, 32768, "chat"),
    ("qwen2", "qwen1.5-7b-chat-gptq-int8", "Qwen/Qwen1.5-7B-Chat-GPTQ-Int8", "=", 7.72, 32768, "chat"),
    ("qwen2", "qwen1.5-14b-chat-gptq-int8", "Qwen/Qwen1.5-14B-Chat-GPTQ-Int8", "=", 14.17, 32768, "chat"),
    ("qwen2", "qwen1.5-72b-chat-gptq-int8", "Qwen/Qwen1.5-72B-Chat-GPTQ-Int8", "=", 72.29, 32768, "chat"),
    ("qwen2", "qwen1.5-0.5b-chat-awq", "Qwen/Qwen1.5-0.5B-Chat-AWQ", "=", 0.62, 32768, "chat"),
    ("qwen2", "qwen1.5-1.8b-chat-awq", "Qwen/Qwen1.5-1.8B-Chat-AWQ", "=", 1.84, 32768, "chat"),
    ("qwen2", "qwen1.5-4b-chat-awq", "Qwen/Qwen1.5-4B-Chat-AWQ", "=", 3.95, 32768, "chat"),
    ("qwen2", "qwen1.5-7b-chat-awq", "Qwen/Qwen1.5-7B-Chat-AWQ", "=", 7.72, 32768, "chat"),
    ("qwen2", "qwen1.5-14b-chat-awq", "Qwen/Qwen1.5-14B-Chat-AWQ", "=", 14.17, 32768, "chat"),
    ("qwen2", "qwen1.5-32b-chat-awq", "Qwen/Qwen1.5-32B-Chat-AWQ", "=", 32.51, 32768, "chat"),
    ("qwen2", "qwen1.5-72b-chat-awq", "Qwen/Qwen1.5-72B-Chat-AWQ", "=", 72.29, 32768, "chat"),
    ("qwen2", "qwen1.5-110b-chat-awq", "Qwen/Qwen1.5-110B-Chat-AWQ", "=", 111.21, 32768, "chat"),
    ("qwen2", "codeqwen1.5-7b", "Qwen/CodeQwen1.5-7B", "=", 7.25, 65536, "base", "code"),
    ("qwen2", "codeqwen1.5-7b-chat", "Qwen/CodeQwen1.5-7B-Chat", "=", 7.25, 65536, "chat", "code"),
    ("qwen2", "codeqwen1.5-7b-chat-awq", "Qwen/CodeQwen1.5-7B-Chat-AWQ", "=", 7.25, 65536, "chat", "code"),
    # reasoning models on the Qwen2 architecture
    ("qwen2", "qwq-32b-preview", "Qwen/QwQ-32B-Preview", "=", 32.76, 32768, "instruct", "reasoning",
     {"template": "qwq_preview"}),
    ("qwen2", "qwq-32b", "Qwen/QwQ-32B", "=", 32.76, 131072, "instruct", "reasoning", "thinking", {"template": "qwq"}),
    ("qwen2", "qwq-32b-awq", "Qwen/QwQ-32B-AWQ", "=", 32.76, 131072, "instruct", "reasoning", "thinking",
     {"template": "qwq"}),
    ("qwen2", "marco-o1", "AIDC-AI/Marco-o1", "=", 7.62, 32768, "instruct", "reasoning", {"template": "marco_o1"}),
    ("qwen2", "smallthinker-3b-preview", "PowerInfer/SmallThinker-3B-Preview", "=", 3.09, 32768, "instruct",
     "reasoning"),
    ("qwen2", "deepseek-r1-distill-qwen-1.5b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "=", 1.78, 131072,
     "instruct", "reasoning", "thinking", "math", _R1),
    ("qwen2", "deepseek-r1-distill-qwen-7b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "=", 7.62, 131072,
     "instruct", "reasoning", "thinking", "math", _R1),
    ("qwen2", "deepseek-r1-distill-qwen-14b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "=", 14.77, 131072,
     "instruct", "reasoning", "thinking", _R1),
    ("qwen2", "deepseek-r1-distill-qwen-32b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "=", 32.76, 131072,
     "instruct", "reasoning", "thinking", _R1),
    ("qwen2", "qwenlong-l1-32b", "iic/QwenLong-L1-32B", "Tongyi-Zhiwen/QwenLong-L1-32B", 32.76, 131072,
     "instruct", "reasoning", "thinking", _R1),
]

# Sizes from the public config.json files (hidden_size, num_hidden_layers, num_attention_heads,
# num_key_value_heads, intermediate_size, vocab_size, tie_word_embeddings); every size has q/k/v
# biases. A test checks each against the parameter count above. Base, chat/instruct, Coder and
# pre-quantized checkpoints of one size share the shape of their unquantized config, and so do
# the models fine-tuned from one without resizing it (QwQ, DeepSeek-R1 distills of Qwen2.5).
_B = {"attention_bias": True}
_SIZES = {
    ("qwen2-0.5b", "qwen2.5-0.5b", "qwen2.5-coder-0.5b"): model_shape(896, 24, 14, 2, 4864, 151936, tied=True, **_B),
    ("qwen2-1.5b", "qwen2.5-1.5b", "qwen2.5-coder-1.5b"): model_shape(1536, 28, 12, 2, 8960, 151936, tied=True, **_B),
    ("qwen2.5-3b", "qwen2.5-coder-3b"): model_shape(2048, 36, 16, 2, 11008, 151936, tied=True, **_B),
    ("qwen2-7b", "qwen2.5-7b", "qwen2.5-coder-7b"): model_shape(3584, 28, 28, 4, 18944, 152064, tied=False, **_B),
    ("qwen2.5-14b", "qwen2.5-coder-14b", "deepseek-r1-distill-qwen-14b"): model_shape(5120, 48, 40, 8, 13824, 152064, tied=False, **_B),
    ("qwen2.5-32b", "qwen2.5-coder-32b", "qwq-32b", "qwq-32b-preview", "deepseek-r1-distill-qwen-32b"): model_shape(5120, 64, 40, 8, 27648, 152064, tied=False, **_B),
    ("qwen2-72b", "qwen2.5-72b"): model_shape(8192, 80, 64, 8, 29568, 152064, tied=False, **_B),
    ("qwen1.5-0.5b",): model_shape(1024, 24, 16, 16, 2816, 151936, tied=False, **_B),
    ("qwen1.5-1.8b",): model_shape(2048, 24, 16, 16, 5504, 151936, tied=False, **_B),
    ("qwen1.5-4b",): model_shape(2560, 40, 20, 20, 6912, 151936, tied=False, **_B),
    ("qwen1.5-7b",): model_shape(4096, 32, 32, 32, 11008, 151936, tied=False, **_B),
    ("qwen1.5-14b",): model_shape(5120, 40, 40, 40, 13696, 152064, tied=False, **_B),
    ("qwen1.5-32b",): model_shape(5120, 64, 40, 8, 27392, 152064, tied=False, **_B),
    ("qwen1.5-72b",): model_shape(8192, 80, 64, 64, 24576, 152064, tied=False, **_B),
    ("qwen1.5-110b",): model_shape(8192, 80, 64, 8, 49152, 152064, tied=False, **_B),
    ("codeqwen1.5-7b",): model_shape(4096, 32, 32, 4, 13440, 92416, tied=False, **_B),
}
# fmt: on
#: the suffixes a checkpoint of one size may carry after its size ("-instruct-gptq-int4", ...)
_SAME_SHAPE = (
    "",
    "-instruct",
    "-chat",
    "-instruct-awq",
    "-chat-awq",
    "-instruct-gptq-int4",
    "-instruct-gptq-int8",
    "-chat-gptq-int4",
    "-chat-gptq-int8",
    "-awq",
)
_BY_NAME = {
    size + suffix: shape for sizes, shape in _SIZES.items() for size in sizes for suffix in _SAME_SHAPE
}
SHAPES = {row[1]: _BY_NAME[row[1]] for row in CHECKPOINTS if row[1] in _BY_NAME}
