"""The ``llama`` family: every checkpoint of ms-swift's ``llama`` model type.

Meta's Llama 2 / 3 / 3.1 / 3.2 / 3.3 and the many community models that are plain
``LlamaForCausalLM`` checkpoints (Chinese-LLaMA-2, Atom, Mengzi3, Ziya2, Megrez, DeepSeek LLM /
Math / Coder, DeepSeek-R1 distills, NuminaMath, MiniMind2, MiniCPM5, LongWriter, ...). One family,
the template per row (the listing's ``default_template``). Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LC = "long-context"
T43 = ["transformers>=4.43"]
L31 = {"template": "llama3_2", "requires": T43}
R1 = {"template": "deepseek_r1"}
DS = {"template": "deepseek"}
AQLM = {
    "requires": ["transformers>=4.38", "aqlm", "torch>=2.2.0"],
    "support": "unsupported",
    "support_note": "AQLM 2-bit weights: needs the aqlm package (aqlm[gpu]>=1.0, torch>=2.2), not installed",
}

FAMILIES = {
    "llama": {
        "name": "Llama",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": "llama",
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": LORA,
        "support": "tested",
        "support_note": "LlamaForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.31"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length (config.json max_position_embeddings / the card's stated context), kind, tags
# fmt: off
CHECKPOINTS = [
    ("llama", "llama2-7b", "modelscope/Llama-2-7b-ms", "meta-llama/Llama-2-7b-hf", 6.74, 4096, "base"),
    ("llama", "llama2-13b", "modelscope/Llama-2-13b-ms", "meta-llama/Llama-2-13b-hf", 13.02, 4096, "base"),
    ("llama", "llama2-70b", "modelscope/Llama-2-70b-ms", "meta-llama/Llama-2-70b-hf", 68.98, 4096, "base"),
    ("llama", "llama2-7b-chat", "modelscope/Llama-2-7b-chat-ms", "meta-llama/Llama-2-7b-chat-hf", 6.74, 4096, "instruct"),
    ("llama", "llama2-13b-chat", "modelscope/Llama-2-13b-chat-ms", "meta-llama/Llama-2-13b-chat-hf", 13.02, 4096, "instruct"),
    ("llama", "llama2-70b-chat", "modelscope/Llama-2-70b-chat-ms", "meta-llama/Llama-2-70b-chat-hf", 68.98, 4096, "instruct"),
    ("llama", "chinese-llama-2-1.3b", "AI-ModelScope/chinese-llama-2-1.3b", "hfl/chinese-llama-2-1.3b", 1.3, 4096, "base"),
    ("llama", "chinese-llama-2-7b", "AI-ModelScope/chinese-llama-2-7b", "hfl/chinese-llama-2-7b", 6.9, 4096, "base"),
    ("llama", "chinese-llama-2-7b-16k", "AI-ModelScope/chinese-llama-2-7b-16k", "hfl/chinese-llama-2-7b-16k", 6.9, 16384, "base"),
    ("llama", "chinese-llama-2-7b-64k", "AI-ModelScope/chinese-llama-2-7b-64k", "hfl/chinese-llama-2-7b-64k", 6.9, 65536, "base"),
    ("llama", "chinese-llama-2-13b", "AI-ModelScope/chinese-llama-2-13b", "hfl/chinese-llama-2-13b", 13.25, 4096, "base"),
    ("llama", "chinese-llama-2-13b-16k", "AI-ModelScope/chinese-llama-2-13b-16k", "hfl/chinese-llama-2-13b-16k", 13.25, 16384, "base"),
    ("llama", "chinese-alpaca-2-1.3b", "AI-ModelScope/chinese-alpaca-2-1.3b", "hfl/chinese-alpaca-2-1.3b", 1.3, 4096, "instruct"),
    ("llama", "chinese-alpaca-2-7b", "AI-ModelScope/chinese-alpaca-2-7b", "hfl/chinese-alpaca-2-7b", 6.9, 4096, "instruct"),
    ("llama", "chinese-alpaca-2-7b-16k", "AI-ModelScope/chinese-alpaca-2-7b-16k", "hfl/chinese-alpaca-2-7b-16k", 6.9, 16384, "instruct"),
    ("llama", "chinese-alpaca-2-7b-64k", "AI-ModelScope/chinese-alpaca-2-7b-64k", "hfl/chinese-alpaca-2-7b-64k", 6.9, 65536, "instruct"),
    ("llama", "chinese-alpaca-2-13b", "AI-ModelScope/chinese-alpaca-2-13b", "hfl/chinese-alpaca-2-13b", 13.25, 4096, "instruct"),
    ("llama", "chinese-alpaca-2-13b-16k", "AI-ModelScope/chinese-alpaca-2-13b-16k", "hfl/chinese-alpaca-2-13b-16k", 13.25, 16384, "instruct"),
    ("llama", "llama-2-7b-aqlm-2bit-1x16-hf", "AI-ModelScope/Llama-2-7b-AQLM-2Bit-1x16-hf", "ISTA-DASLab/Llama-2-7b-AQLM-2Bit-1x16-hf", 6.74, 4096, "base", "quantized", AQLM),
    ("llama", "atom-7b", "FlagAlpha/Atom-7B", "=", 7.0, 4096, "base", {"template": "atom"}),
    ("llama", "atom-7b-chat", "FlagAlpha/Atom-7B-Chat", "=", 7.0, 4096, "instruct", {"template": "atom"}),
    ("llama", "mengzi3-13b-base", "langboat/Mengzi3-13B-Base", "Langboat/Mengzi3-13B-Base", 13.0, 4096, "base", {"template": "mengzi"}),
    ("llama", "numinamath-7b-tir", "AI-ModelScope/NuminaMath-7B-TIR", "AI-MO/NuminaMath-7B-TIR", 6.91, 4096, "instruct", "math", {"template": "numina"}),
    ("llama", "ziya2-13b-base", "Fengshenbang/Ziya2-13B-Base", "IDEA-CCNL/Ziya2-13B-Base", 13.0, 4096, "base", {"template": "ziya"}),
    ("llama", "ziya2-13b-chat", "Fengshenbang/Ziya2-13B-Chat", "IDEA-CCNL/Ziya2-13B-Chat", 13.0, 4096, "instruct", {"template": "ziya"}),
    ("llama", "megrez-3b-instruct", "InfiniAI/Megrez-3b-Instruct", "Infinigence/Megrez-3B-Instruct", 2.92, 32768, "instruct", {"template": "megrez"}),
    ("llama", "deepseek-llm-7b-base", "deepseek-ai/deepseek-llm-7b-base", "=", 6.91, 4096, "base", DS),
    ("llama", "deepseek-llm-7b-chat", "deepseek-ai/deepseek-llm-7b-chat", "=", 6.91, 4096, "instruct", DS),
    ("llama", "deepseek-llm-67b-base", "deepseek-ai/deepseek-llm-67b-base", "=", 67.0, 4096, "base", DS),
    ("llama", "deepseek-llm-67b-chat", "deepseek-ai/deepseek-llm-67b-chat", "=", 67.0, 4096, "instruct", DS),
    ("llama", "deepseek-math-7b-base", "deepseek-ai/deepseek-math-7b-base", "=", 6.91, 4096, "base", "math", DS),
    ("llama", "deepseek-math-7b-instruct", "deepseek-ai/deepseek-math-7b-instruct", "=", 6.91, 4096, "instruct", "math", DS),
    ("llama", "deepseek-math-7b-rl", "deepseek-ai/deepseek-math-7b-rl", "=", 6.91, 4096, "instruct", "math", DS),
    ("llama", "deepseek-coder-1.3b-base", "deepseek-ai/deepseek-coder-1.3b-base", "=", 1.35, 16384, "base", "code", DS),
    ("llama", "deepseek-coder-1.3b-instruct", "deepseek-ai/deepseek-coder-1.3b-instruct", "=", 1.35, 16384, "instruct", "code", DS),
    ("llama", "deepseek-coder-6.7b-base", "deepseek-ai/deepseek-coder-6.7b-base", "=", 6.74, 16384, "base", "code", DS),
    ("llama", "deepseek-coder-6.7b-instruct", "deepseek-ai/deepseek-coder-6.7b-instruct", "=", 6.74, 16384, "instruct", "code", DS),
    ("llama", "deepseek-coder-33b-base", "deepseek-ai/deepseek-coder-33b-base", "=", 33.3, 16384, "base", "code", DS),
    ("llama", "deepseek-coder-33b-instruct", "deepseek-ai/deepseek-coder-33b-instruct", "=", 33.3, 16384, "instruct", "code", DS),
    ("llama", "minimind2", "gongjy/MiniMind2", "jingyaogong/MiniMind2", 0.104, 32768, "instruct", {"template": "minimind", "requires": ["transformers>=4.57.1"]}),
    ("llama", "minimind2-small", None, "jingyaogong/MiniMind2-Small", 0.026, 32768, "instruct", {"template": "minimind", "requires": ["transformers>=4.57.1"]}),
    ("llama", "llama3-8b-instruct", "LLM-Research/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct", 8.03, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-70b-instruct", "LLM-Research/Meta-Llama-3-70B-Instruct", "meta-llama/Meta-Llama-3-70B-Instruct", 70.55, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-8b", "LLM-Research/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B", 8.03, 8192, "base", {"template": "llama3"}),
    ("llama", "llama3-70b", "LLM-Research/Meta-Llama-3-70B", "meta-llama/Meta-Llama-3-70B", 70.55, 8192, "base", {"template": "llama3"}),
    ("llama", "llama3-8b-instruct-gptq-int4", "swift/Meta-Llama-3-8B-Instruct-GPTQ-Int4", "study-hjt/Meta-Llama-3-8B-Instruct-GPTQ-Int4", 8.03, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-8b-instruct-gptq-int8", "swift/Meta-Llama-3-8B-Instruct-GPTQ-Int8", "study-hjt/Meta-Llama-3-8B-Instruct-GPTQ-Int8", 8.03, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-8b-instruct-awq", "swift/Meta-Llama-3-8B-Instruct-AWQ", "study-hjt/Meta-Llama-3-8B-Instruct-AWQ", 8.03, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-70b-instruct-gptq-int4", "swift/Meta-Llama-3-70B-Instruct-GPTQ-Int4", "study-hjt/Meta-Llama-3-70B-Instruct-GPTQ-Int4", 70.55, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-70b-instruct-gptq-int8", "swift/Meta-Llama-3-70B-Instruct-GPTQ-Int8", "study-hjt/Meta-Llama-3-70B-Instruct-GPTQ-Int8", 70.55, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama3-70b-instruct-awq", "swift/Meta-Llama-3-70B-Instruct-AWQ", "study-hjt/Meta-Llama-3-70B-Instruct-AWQ", 70.55, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama-3-chinese-8b-instruct", "ChineseAlpacaGroup/llama-3-chinese-8b-instruct", "hfl/llama-3-chinese-8b-instruct", 8.03, 8192, "instruct", {"template": "llama3"}),
    ("llama", "llama-3-chinese-8b", "ChineseAlpacaGroup/llama-3-chinese-8b", "hfl/llama-3-chinese-8b", 8.03, 8192, "base", {"template": "llama3"}),
    ("llama", "llama3.1-8b-instruct", "LLM-Research/Meta-Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct", 8.03, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-70b-instruct", "LLM-Research/Meta-Llama-3.1-70B-Instruct", "meta-llama/Meta-Llama-3.1-70B-Instruct", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-405b-instruct", "LLM-Research/Meta-Llama-3.1-405B-Instruct", "meta-llama/Meta-Llama-3.1-405B-Instruct", 405.85, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-8b", "LLM-Research/Meta-Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-8B", 8.03, 131072, "base", LC, L31),
    ("llama", "llama3.1-70b", "LLM-Research/Meta-Llama-3.1-70B", "meta-llama/Meta-Llama-3.1-70B", 70.55, 131072, "base", LC, L31),
    ("llama", "llama3.1-405b", "LLM-Research/Meta-Llama-3.1-405B", "meta-llama/Meta-Llama-3.1-405B", 405.85, 131072, "base", LC, L31),
    ("llama", "llama3.1-70b-instruct-fp8", "LLM-Research/Meta-Llama-3.1-70B-Instruct-FP8", "meta-llama/Meta-Llama-3.1-70B-Instruct-FP8", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-405b-instruct-fp8", "LLM-Research/Meta-Llama-3.1-405B-Instruct-FP8", "meta-llama/Meta-Llama-3.1-405B-Instruct-FP8", 405.85, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-8b-instruct-bnb-nf4", "LLM-Research/Meta-Llama-3.1-8B-Instruct-BNB-NF4", "hugging-quants/Meta-Llama-3.1-8B-Instruct-BNB-NF4", 8.03, 131072, "instruct", LC, {**L31, "quant_method": "bnb", "quant_bits": 4}),
    ("llama", "llama3.1-70b-instruct-bnb-4bit", "LLM-Research/Meta-Llama-3.1-70B-Instruct-bnb-4bit", "unsloth/Meta-Llama-3.1-70B-Instruct-bnb-4bit", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-405b-instruct-bnb-nf4", "LLM-Research/Meta-Llama-3.1-405B-Instruct-BNB-NF4", "hugging-quants/Meta-Llama-3.1-405B-Instruct-BNB-NF4", 405.85, 131072, "instruct", LC, {**L31, "quant_method": "bnb", "quant_bits": 4}),
    ("llama", "llama3.1-8b-instruct-gptq-int4", "LLM-Research/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4", "hugging-quants/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4", 8.03, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-70b-instruct-gptq-int4", "LLM-Research/Meta-Llama-3.1-70B-Instruct-GPTQ-INT4", "hugging-quants/Meta-Llama-3.1-70B-Instruct-GPTQ-INT4", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-405b-instruct-gptq-int4", "LLM-Research/Meta-Llama-3.1-405B-Instruct-GPTQ-INT4", "hugging-quants/Meta-Llama-3.1-405B-Instruct-GPTQ-INT4", 405.85, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-8b-instruct-awq-int4", "LLM-Research/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", 8.03, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-70b-instruct-awq-int4", "LLM-Research/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.1-405b-instruct-awq-int4", "LLM-Research/Meta-Llama-3.1-405B-Instruct-AWQ-INT4", "hugging-quants/Meta-Llama-3.1-405B-Instruct-AWQ-INT4", 405.85, 131072, "instruct", LC, L31),
    ("llama", "llama-3.1-nemotron-70b-instruct-hf", "AI-ModelScope/Llama-3.1-Nemotron-70B-Instruct-HF", "nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", 70.55, 131072, "instruct", LC, L31),
    ("llama", "skywork-o1-open-llama-3.1-8b", "AI-ModelScope/Skywork-o1-Open-Llama-3.1-8B", "Skywork/Skywork-o1-Open-Llama-3.1-8B", 8.03, 131072, "instruct", "reasoning", LC, {"template": "skywork_o1", "requires": T43}),
    ("llama", "llama3.2-1b", "LLM-Research/Llama-3.2-1B", "meta-llama/Llama-3.2-1B", 1.24, 131072, "base", LC, L31),
    ("llama", "llama3.2-3b", "LLM-Research/Llama-3.2-3B", "meta-llama/Llama-3.2-3B", 3.21, 131072, "base", LC, L31),
    ("llama", "llama3.2-1b-instruct", "LLM-Research/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-1B-Instruct", 1.24, 131072, "instruct", LC, L31),
    ("llama", "llama3.2-3b-instruct", "LLM-Research/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.2-3B-Instruct", 3.21, 131072, "instruct", LC, L31),
    ("llama", "llama3.3-70b-instruct", "LLM-Research/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", 70.55, 131072, "instruct", LC, L31),
    ("llama", "llama3.3-70b-instruct-bnb-4bit", "unsloth/Llama-3.3-70B-Instruct-bnb-4bit", "=", 70.55, 131072, "instruct", LC, L31),
    ("llama", "longwriter-llama3.1-8b", "ZhipuAI/LongWriter-llama3.1-8b", "zai-org/LongWriter-llama3.1-8b", 8.03, 131072, "instruct", LC, {"template": "longwriter_llama", "requires": T43}),
    ("llama", "deepseek-r1-distill-llama-8b", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "=", 8.03, 131072, "instruct", "reasoning", LC, R1),
    ("llama", "deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "=", 70.55, 131072, "instruct", "reasoning", LC, R1),
    ("llama", "minicpm5-1b", "OpenBMB/MiniCPM5-1B", "openbmb/MiniCPM5-1B", 1.0, 32768, "instruct", {"template": "minicpm5", "requires": ["transformers>=5.6"]}),
    ("llama", "minicpm5-1b-base", "OpenBMB/MiniCPM5-1B-Base", "openbmb/MiniCPM5-1B-Base", 1.0, 32768, "base", {"template": "minicpm5", "requires": ["transformers>=5.6"]}),
    ("llama", "minicpm5-1b-sft", "OpenBMB/MiniCPM5-1B-SFT", "openbmb/MiniCPM5-1B-SFT", 1.0, 32768, "instruct", {"template": "minicpm5", "requires": ["transformers>=5.6"]}),
    ("llama", "reflection-llama-3.1-70b", "LLM-Research/Reflection-Llama-3.1-70B", "mattshumer/Reflection-Llama-3.1-70B", 70.55, 8192, "instruct", "reasoning", {"template": "reflection", "requires": T43}),
]

# Sizes from the checkpoints' public config.json (hidden_size, num_hidden_layers,
# num_attention_heads, num_key_value_heads, intermediate_size, vocab_size, tie_word_embeddings).
_L2_7B = model_shape(4096, 32, 32, 32, 11008, 32000, tied=False)
_L2_13B = model_shape(5120, 40, 40, 40, 13824, 32000, tied=False)
_L2_70B = model_shape(8192, 80, 64, 8, 28672, 32000, tied=False)
_L3_8B = model_shape(4096, 32, 32, 8, 14336, 128256, tied=False)
_L3_70B = model_shape(8192, 80, 64, 8, 28672, 128256, tied=False)
SHAPES = {
    "llama2-7b": _L2_7B, "llama2-7b-chat": _L2_7B,
    "llama2-13b": _L2_13B, "llama2-13b-chat": _L2_13B,
    "llama2-70b": _L2_70B, "llama2-70b-chat": _L2_70B,
    "llama3-8b": _L3_8B, "llama3-8b-instruct": _L3_8B,
    "llama3-70b": _L3_70B, "llama3-70b-instruct": _L3_70B,
    "llama3.1-8b": _L3_8B, "llama3.1-8b-instruct": _L3_8B,
    "llama3.1-70b": _L3_70B, "llama3.1-70b-instruct": _L3_70B,
    "llama3.3-70b-instruct": _L3_70B,
    "deepseek-r1-distill-llama-8b": _L3_8B, "deepseek-r1-distill-llama-70b": _L3_70B,
    "llama3.1-405b": model_shape(16384, 126, 128, 8, 53248, 128256, tied=False),
    "llama3.1-405b-instruct": model_shape(16384, 126, 128, 8, 53248, 128256, tied=False),
    "llama3.2-1b": model_shape(2048, 16, 32, 8, 8192, 128256, tied=True),
    "llama3.2-1b-instruct": model_shape(2048, 16, 32, 8, 8192, 128256, tied=True),
    "llama3.2-3b": model_shape(3072, 28, 24, 8, 8192, 128256, tied=True),
    "llama3.2-3b-instruct": model_shape(3072, 28, 24, 8, 8192, 128256, tied=True),
}
# fmt: on
