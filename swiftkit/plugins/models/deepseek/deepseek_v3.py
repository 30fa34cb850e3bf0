"""``deepseek_v3``: DeepSeek-V3, V3.1, R1 and Prover-V2, plus the checkpoints of other publishers
built on the same architecture (Moonshot's Moonlight and Kimi-K2, AWQ and BF16 re-uploads).

Native in transformers (``DeepseekV3ForCausalLM``: multi-head latent attention, grouped routing
over 256 experts, a shared expert, the first layers dense). DeepSeek publishes V3, R1, V3.1 and
Prover-V2-671B in block-wise FP8 (``quantization_config`` of their config.json); the unsloth
re-uploads are the same weights in bfloat16. Context: ``max_position_embeddings``.

Prover-V2-7B is the exception the listing files here: it continues DeepSeek-Prover-V1.5 (a
DeepSeekMath 7B), a ``LlamaForCausalLM``, so its row carries that architecture. Moonlight and
Kimi-K2 need their tiktoken tokenizer's own code. Data only.
"""

from __future__ import annotations

LC = "long-context"

FAMILIES = {
    "deepseek_v3": {
        "name": "DeepSeek-V3",
        "architecture": "DeepseekV3ForCausalLM",
        "hf_model_type": "deepseek_v3",
        "template": "deepseek_v2_5",
        "decoder_layer_cls": "DeepseekV3DecoderLayer",
        # attention only: for this transformers-5 MoE layout peft 0.21 re-maps gate/up/down_proj targets
        # to the fused routed-expert parameters (lora.ParamWrapper, which needs --lora_dropout 0) and
        # then leaves the dense and shared-expert MLPs out; name them with --target_modules to tune them
        "lora_target_modules": ["q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.deepseek.loader:DeepseekV3Loader",
        "support": "tested",
        "support_note": "DeepseekV3ForCausalLM, native in transformers 5.19",
        "requires": ["transformers>=4.39.3"],
    },
}

_FP8 = {"quant_method": "fp8", "quant_bits": 8}
_R1 = {"template": "deepseek_r1"}
_R1_FP8 = {**_R1, **_FP8}
_V31 = {"template": "deepseek_v3_1", **_FP8}
#: a DeepSeekMath-7B descendant: Llama architecture
_PROVER_7B = {
    "architecture": "LlamaForCausalLM",
    "hf_model_type": "llama",
    "decoder_layer_cls": "LlamaDecoderLayer",
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "loader": "swiftkit.models.hf:HFCausalLMLoader",
    "support_note": "LlamaForCausalLM (continues DeepSeek-Prover-V1.5, a DeepSeekMath 7B), native in transformers 5.19",
}
_MOONSHOT_TOKENIZER = "the tokenizer is TikTokenTokenizer from the checkpoint's tokenization_kimi.py (tiktoken)"
_MOONLIGHT = {
    "template": "moonlight",
    "support": "unsupported",
    "support_note": "needs transformers<4.49 (listing): the checkpoint's auto_map points at its own modeling_deepseek.py, "
    "which loads only there, and its tokenizer is tiktoken code (tokenization_moonshot.py); the "
    "DeepseekV3ForCausalLM class itself is native",
    "requires": ["transformers<4.49"],
    # no query compression (q_lora_rank null)
    "lora_target_modules": ["q_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"],
}
_KIMI = {"template": "kimi_k2", "support": "remote_code",
         "support_note": f"DeepseekV3ForCausalLM is native, but {_MOONSHOT_TOKENIZER}: --trust_remote_code true"}

# bfloat16 re-uploads before the FP8 originals of the same template: a local folder of this
# architecture (a tiny model, a fine-tuned export) resolves to the family's first checkpoint with
# its chat template, and an FP8 spec would refuse full training of a bfloat16 folder.
# fmt: off
CHECKPOINTS = [
    ("deepseek_v3", "deepseek-v3-bf16", "unsloth/DeepSeek-V3-bf16", "=", 671, 163840, "instruct", "moe", LC),
    ("deepseek_v3", "deepseek-v3-0324-bf16", "unsloth/DeepSeek-V3-0324-BF16", "=", 671, 163840, "instruct", "moe", LC),
    ("deepseek_v3", "deepseek-v3-base", "deepseek-ai/DeepSeek-V3-Base", "=", 671, 163840, "base", "moe", LC, _FP8),
    ("deepseek_v3", "deepseek-v3", "deepseek-ai/DeepSeek-V3", "=", 671, 163840, "instruct", "moe", LC, _FP8),
    ("deepseek_v3", "deepseek-v3-0324", "deepseek-ai/DeepSeek-V3-0324", "=", 671, 163840, "instruct", "moe", LC, _FP8),
    ("deepseek_v3", "deepseek-v3-awq", "cognitivecomputations/DeepSeek-V3-awq", "cognitivecomputations/DeepSeek-V3-AWQ", 671, 163840, "instruct", "moe", LC),
    ("deepseek_v3", "deepseek-v3-0324-awq", "cognitivecomputations/DeepSeek-V3-0324-AWQ", "=", 671, 163840, "instruct", "moe", LC),
    ("deepseek_v3", "deepseek-prover-v2-671b", "deepseek-ai/DeepSeek-Prover-V2-671B", "=", 671, 163840, "instruct", "math", "reasoning", "moe", LC, _FP8),
    ("deepseek_v3", "deepseek-prover-v2-671b-bf16", "unsloth/DeepSeek-Prover-V2-671B-BF16", "=", 671, 163840, "instruct", "math", "reasoning", "moe", LC),
    ("deepseek_v3", "deepseek-r1-bf16", "unsloth/DeepSeek-R1-BF16", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1),
    ("deepseek_v3", "deepseek-r1-zero-bf16", "unsloth/DeepSeek-R1-Zero-BF16", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1),
    ("deepseek_v3", "deepseek-r1-0528-bf16", "unsloth/DeepSeek-R1-0528-BF16", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1),
    ("deepseek_v3", "deepseek-r1", "deepseek-ai/DeepSeek-R1", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1_FP8),
    ("deepseek_v3", "deepseek-r1-zero", "deepseek-ai/DeepSeek-R1-Zero", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1_FP8),
    ("deepseek_v3", "deepseek-r1-0528", "deepseek-ai/DeepSeek-R1-0528", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1_FP8),
    ("deepseek_v3", "deepseek-r1-awq", "cognitivecomputations/DeepSeek-R1-awq", "cognitivecomputations/DeepSeek-R1-AWQ", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1),
    ("deepseek_v3", "deepseek-r1-0528-awq", "cognitivecomputations/DeepSeek-R1-0528-AWQ", "=", 671, 163840, "instruct", "reasoning", "thinking", "moe", LC, _R1),
    ("deepseek_v3", "moonlight-16b-a3b", "moonshotai/Moonlight-16B-A3B", "=", 16, 8192, "base", "moe", _MOONLIGHT),
    ("deepseek_v3", "moonlight-16b-a3b-instruct", "moonshotai/Moonlight-16B-A3B-Instruct", "=", 16, 8192, "instruct", "moe", _MOONLIGHT),
    ("deepseek_v3", "kimi-k2-base", "moonshotai/Kimi-K2-Base", "=", 1000, 131072, "base", "moe", LC, {**_KIMI, **_FP8}),
    ("deepseek_v3", "kimi-k2-instruct", "moonshotai/Kimi-K2-Instruct", "=", 1000, 131072, "instruct", "moe", LC, {**_KIMI, **_FP8}),
    ("deepseek_v3", "kimi-k2-instruct-0905", "moonshotai/Kimi-K2-Instruct-0905", "=", 1000, 262144, "instruct", "moe", LC, {**_KIMI, **_FP8}),
    ("deepseek_v3", "kimi-k2-thinking", "moonshotai/Kimi-K2-Thinking", "=", 1000, 262144, "instruct", "reasoning", "thinking", "moe", LC,
     {**_KIMI, "support_note": f"{_KIMI['support_note']}; its experts are INT4 (compressed-tensors), a format swiftkit does not list"}),
    ("deepseek_v3", "deepseek-v3.1-base", "deepseek-ai/DeepSeek-V3.1-Base", "=", 671, 163840, "base", "moe", LC, _V31),
    ("deepseek_v3", "deepseek-v3.1", "deepseek-ai/DeepSeek-V3.1", "=", 671, 163840, "instruct", "thinking", "moe", LC, _V31),
    ("deepseek_v3", "deepseek-v3.1-terminus", "deepseek-ai/DeepSeek-V3.1-Terminus", "=", 671, 163840, "instruct", "thinking", "moe", LC, _V31),
    ("deepseek_v3", "deepseek-prover-v2-7b", "deepseek-ai/DeepSeek-Prover-V2-7B", "=", 6.91, 32768, "instruct", "math", "reasoning", _PROVER_7B),
]
# fmt: on
SHAPES: dict = {}
