"""The ``yi`` family (01.AI): Yi, Yi-1.5, Yi-Coder and SUS-Chat.

Yi checkpoints are plain Llama-architecture models (``config.json``: ``model_type: llama``,
``LlamaForCausalLM``). The ``-4bits`` chat checkpoints are AWQ, the ``-8bits`` ones GPTQ
(01.AI's model cards); the ModelScope ``-GPTQ`` builds of Yi-1.5 are 4-bit. Data only.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

LC = "long-context"
AWQ4 = {"quant_method": "awq", "quant_bits": 4}
GPTQ8 = {"quant_method": "gptq", "quant_bits": 8}
CODER = {"template": "yi_coder"}

FAMILIES = {
    "yi": {
        "name": "01.AI Yi",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": "chatml",
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "tested",
        "support_note": "LlamaForCausalLM, native in transformers; tiny model through the family test matrix",
        "requires": ["transformers>=4.34"],
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("yi", "yi-6b", "01ai/Yi-6B", "01-ai/Yi-6B", 6.06, 4096, "base"),
    ("yi", "yi-6b-200k", "01ai/Yi-6B-200K", "01-ai/Yi-6B-200K", 6.06, 200000, "base", LC),
    ("yi", "yi-6b-chat", "01ai/Yi-6B-Chat", "01-ai/Yi-6B-Chat", 6.06, 4096, "instruct"),
    ("yi", "yi-6b-chat-4bits", "01ai/Yi-6B-Chat-4bits", "01-ai/Yi-6B-Chat-4bits", 6.06, 4096, "instruct", AWQ4),
    ("yi", "yi-6b-chat-8bits", "01ai/Yi-6B-Chat-8bits", "01-ai/Yi-6B-Chat-8bits", 6.06, 4096, "instruct", GPTQ8),
    ("yi", "yi-9b", "01ai/Yi-9B", "01-ai/Yi-9B", 8.83, 4096, "base"),
    ("yi", "yi-9b-200k", "01ai/Yi-9B-200K", "01-ai/Yi-9B-200K", 8.83, 200000, "base", LC),
    ("yi", "yi-34b", "01ai/Yi-34B", "01-ai/Yi-34B", 34.39, 4096, "base"),
    ("yi", "yi-34b-200k", "01ai/Yi-34B-200K", "01-ai/Yi-34B-200K", 34.39, 200000, "base", LC),
    ("yi", "yi-34b-chat", "01ai/Yi-34B-Chat", "01-ai/Yi-34B-Chat", 34.39, 4096, "instruct"),
    ("yi", "yi-34b-chat-4bits", "01ai/Yi-34B-Chat-4bits", "01-ai/Yi-34B-Chat-4bits", 34.39, 4096, "instruct", AWQ4),
    ("yi", "yi-34b-chat-8bits", "01ai/Yi-34B-Chat-8bits", "01-ai/Yi-34B-Chat-8bits", 34.39, 4096, "instruct", GPTQ8),
    ("yi", "yi-1.5-6b", "01ai/Yi-1.5-6B", "01-ai/Yi-1.5-6B", 6.06, 4096, "base"),
    ("yi", "yi-1.5-6b-chat", "01ai/Yi-1.5-6B-Chat", "01-ai/Yi-1.5-6B-Chat", 6.06, 4096, "instruct"),
    ("yi", "yi-1.5-9b", "01ai/Yi-1.5-9B", "01-ai/Yi-1.5-9B", 8.83, 4096, "base"),
    ("yi", "yi-1.5-9b-chat", "01ai/Yi-1.5-9B-Chat", "01-ai/Yi-1.5-9B-Chat", 8.83, 4096, "instruct"),
    ("yi", "yi-1.5-9b-chat-16k", "01ai/Yi-1.5-9B-Chat-16K", "01-ai/Yi-1.5-9B-Chat-16K", 8.83, 16384, "instruct"),
    ("yi", "yi-1.5-34b", "01ai/Yi-1.5-34B", "01-ai/Yi-1.5-34B", 34.39, 4096, "base"),
    ("yi", "yi-1.5-34b-chat", "01ai/Yi-1.5-34B-Chat", "01-ai/Yi-1.5-34B-Chat", 34.39, 4096, "instruct"),
    ("yi", "yi-1.5-34b-chat-16k", "01ai/Yi-1.5-34B-Chat-16K", "01-ai/Yi-1.5-34B-Chat-16K", 34.39, 16384, "instruct"),
    ("yi", "yi-1.5-6b-chat-gptq", "AI-ModelScope/Yi-1.5-6B-Chat-GPTQ", "modelscope/Yi-1.5-6B-Chat-GPTQ", 6.06, 4096, "instruct"),
    ("yi", "yi-1.5-6b-chat-awq", "AI-ModelScope/Yi-1.5-6B-Chat-AWQ", "modelscope/Yi-1.5-6B-Chat-AWQ", 6.06, 4096, "instruct"),
    ("yi", "yi-1.5-9b-chat-gptq", "AI-ModelScope/Yi-1.5-9B-Chat-GPTQ", "modelscope/Yi-1.5-9B-Chat-GPTQ", 8.83, 4096, "instruct"),
    ("yi", "yi-1.5-9b-chat-awq", "AI-ModelScope/Yi-1.5-9B-Chat-AWQ", "modelscope/Yi-1.5-9B-Chat-AWQ", 8.83, 4096, "instruct"),
    ("yi", "yi-1.5-34b-chat-gptq", "AI-ModelScope/Yi-1.5-34B-Chat-GPTQ", "modelscope/Yi-1.5-34B-Chat-GPTQ", 34.39, 4096, "instruct"),
    ("yi", "yi-1.5-34b-chat-awq", "AI-ModelScope/Yi-1.5-34B-Chat-AWQ", "modelscope/Yi-1.5-34B-Chat-AWQ", 34.39, 4096, "instruct"),
    ("yi", "yi-coder-1.5b", "01ai/Yi-Coder-1.5B", "01-ai/Yi-Coder-1.5B", 1.48, 131072, "base", "code", LC, CODER),
    ("yi", "yi-coder-9b", "01ai/Yi-Coder-9B", "01-ai/Yi-Coder-9B", 8.83, 131072, "base", "code", LC, CODER),
    ("yi", "yi-coder-1.5b-chat", "01ai/Yi-Coder-1.5B-Chat", "01-ai/Yi-Coder-1.5B-Chat", 1.48, 131072, "instruct", "code", LC, CODER),
    ("yi", "yi-coder-9b-chat", "01ai/Yi-Coder-9B-Chat", "01-ai/Yi-Coder-9B-Chat", 8.83, 131072, "instruct", "code", LC, CODER),
    ("yi", "sus-chat-34b", "SUSTC/SUS-Chat-34B", "SUSTech/SUS-Chat-34B", 34.39, 8192, "instruct", {"template": "sus"}),
]

# Yi-6B / Yi-34B config.json (64000-token vocabulary, grouped-query attention)
_YI_6B = model_shape(4096, 32, 32, 4, 11008, 64000, tied=False)
_YI_34B = model_shape(7168, 60, 56, 8, 20480, 64000, tied=False)
SHAPES = {
    **{i: _YI_6B for i in ("yi-6b", "yi-6b-200k", "yi-6b-chat", "yi-1.5-6b", "yi-1.5-6b-chat")},
    **{i: _YI_34B for i in ("yi-34b", "yi-34b-200k", "yi-34b-chat", "yi-1.5-34b", "yi-1.5-34b-chat")},
}
# fmt: on
