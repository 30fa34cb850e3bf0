"""Qwen3 dense (``model_type`` ``qwen3``): Qwen3 0.6B-32B (hybrid thinking), the 2507 Instruct and
Thinking releases, Qwen3Guard and the models others trained on it.

Qwen3ForCausalLM is native in transformers (>= 4.51): no q/k/v biases, RMS-normed queries and
keys, an explicit ``head_dim`` of 128. Context: 32K native (the card's YaRN extension to 128K is
opt-in), 256K for the 2507 releases.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "qwen3": {
        "name": "Qwen3",
        "architecture": "Qwen3ForCausalLM",
        "hf_model_type": "qwen3",
        "template": "qwen3",
        "decoder_layer_cls": "Qwen3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.qwen.loader:Qwen3Loader",
        "requires": ["transformers>=4.51"],
        "support": "tested",
        "support_note": "Qwen3ForCausalLM native in transformers; a tiny model (q/k norms, head_dim) is trained "
        "(LoRA, full), resumed, exported and served by swiftkit's family check",
    },
}

_THINK = ("reasoning", "thinking")

# family, id, ModelScope id, Hugging Face id ("=": same as ModelScope), parameters (billions),
# context length, kind, extra tags / overrides
# fmt: off
CHECKPOINTS = [
    ("qwen3", "qwen3-0.6b", "Qwen/Qwen3-0.6B", "=", 0.6, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-1.7b", "Qwen/Qwen3-1.7B", "=", 1.7, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-4b", "Qwen/Qwen3-4B", "=", 4.0, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-8b", "Qwen/Qwen3-8B", "=", 8.2, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-14b", "Qwen/Qwen3-14B", "=", 14.8, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-32b", "Qwen/Qwen3-32B", "=", 32.8, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-0.6b-base", "Qwen/Qwen3-0.6B-Base", "=", 0.6, 32768, "base"),
    ("qwen3", "qwen3-1.7b-base", "Qwen/Qwen3-1.7B-Base", "=", 1.7, 32768, "base"),
    ("qwen3", "qwen3-4b-base", "Qwen/Qwen3-4B-Base", "=", 4.0, 32768, "base"),
    ("qwen3", "qwen3-8b-base", "Qwen/Qwen3-8B-Base", "=", 8.2, 32768, "base"),
    ("qwen3", "qwen3-14b-base", "Qwen/Qwen3-14B-Base", "=", 14.8, 32768, "base"),
    ("qwen3", "qwen3-0.6b-fp8", "Qwen/Qwen3-0.6B-FP8", "=", 0.6, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-1.7b-fp8", "Qwen/Qwen3-1.7B-FP8", "=", 1.7, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-4b-fp8", "Qwen/Qwen3-4B-FP8", "=", 4.0, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-8b-fp8", "Qwen/Qwen3-8B-FP8", "=", 8.2, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-14b-fp8", "Qwen/Qwen3-14B-FP8", "=", 14.8, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-32b-fp8", "Qwen/Qwen3-32B-FP8", "=", 32.8, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-4b-awq", "Qwen/Qwen3-4B-AWQ", "=", 4.0, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-8b-awq", "Qwen/Qwen3-8B-AWQ", "=", 8.2, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-14b-awq", "Qwen/Qwen3-14B-AWQ", "=", 14.8, 32768, "instruct", *_THINK),
    ("qwen3", "qwen3-32b-awq", "Qwen/Qwen3-32B-AWQ", "=", 32.8, 32768, "instruct", *_THINK),
    # ms-swift's own AWQ export, on ModelScope only; its repository name is Qwen's, so its id differs
    ("qwen3", "swift-qwen3-32b-awq", "swift/Qwen3-32B-AWQ", None, 32.8, 32768, "instruct", *_THINK),
    # 2507 releases: one mode each, 256K context
    ("qwen3", "qwen3-4b-instruct-2507", "Qwen/Qwen3-4B-Instruct-2507", "=", 4.0, 262144, "instruct",
     {"template": "qwen3_nothinking"}),
    ("qwen3", "qwen3-4b-instruct-2507-fp8", "Qwen/Qwen3-4B-Instruct-2507-FP8", "=", 4.0, 262144, "instruct",
     {"template": "qwen3_nothinking"}),
    ("qwen3", "qwen3-4b-thinking-2507", "Qwen/Qwen3-4B-Thinking-2507", "=", 4.0, 262144, "instruct", *_THINK,
     {"template": "qwen3_thinking"}),
    ("qwen3", "qwen3-4b-thinking-2507-fp8", "Qwen/Qwen3-4B-Thinking-2507-FP8", "=", 4.0, 262144, "instruct",
     *_THINK, {"template": "qwen3_thinking"}),
    ("qwen3", "deepseek-r1-0528-qwen3-8b", "deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "=", 8.2, 32768, "instruct",
     *_THINK, {"template": "deepseek_r1"}),
    # safety classifiers that answer in text (Qwen3Guard) and reasoning guards (YuFeng-XGuard)
    ("qwen3", "qwen3guard-gen-0.6b", "Qwen/Qwen3Guard-Gen-0.6B", "=", 0.6, 32768, "instruct", "safety",
     {"template": "qwen3_guard"}),
    ("qwen3", "qwen3guard-gen-4b", "Qwen/Qwen3Guard-Gen-4B", "=", 4.0, 32768, "instruct", "safety",
     {"template": "qwen3_guard"}),
    ("qwen3", "qwen3guard-gen-8b", "Qwen/Qwen3Guard-Gen-8B", "=", 8.2, 32768, "instruct", "safety",
     {"template": "qwen3_guard"}),
    ("qwen3", "yufeng-xguard-reason-0.6b", "Alibaba-AAIG/YuFeng-XGuard-Reason-0.6B", "=", 0.6, 32768, "instruct",
     "safety", "reasoning", {"template": "yufeng_xguard"}),
    ("qwen3", "yufeng-xguard-reason-8b", "Alibaba-AAIG/YuFeng-XGuard-Reason-8B", "=", 8.2, 32768, "instruct",
     "safety", "reasoning", {"template": "yufeng_xguard"}),
]

# Sizes from each checkpoint's public config.json (head_dim 128, no attention biases). A test
# checks each against the parameter count above. Base, instruct, 2507 and quantized copies of a
# size share it.
_SIZES = {
    "qwen3-0.6b": model_shape(1024, 28, 16, 8, 3072, 151936, tied=True, head_dim=128),
    "qwen3-1.7b": model_shape(2048, 28, 16, 8, 6144, 151936, tied=True, head_dim=128),
    "qwen3-4b": model_shape(2560, 36, 32, 8, 9728, 151936, tied=True, head_dim=128),
    "qwen3-8b": model_shape(4096, 36, 32, 8, 12288, 151936, tied=False, head_dim=128),
    "qwen3-14b": model_shape(5120, 40, 40, 8, 17408, 151936, tied=False, head_dim=128),
    "qwen3-32b": model_shape(5120, 64, 64, 8, 25600, 151936, tied=False, head_dim=128),
}
# fmt: on
_SAME_SHAPE = (
    "",
    "-base",
    "-fp8",
    "-awq",
    "-instruct-2507",
    "-instruct-2507-fp8",
    "-thinking-2507",
    "-thinking-2507-fp8",
)
_BY_NAME = {size + suffix: shape for size, shape in _SIZES.items() for suffix in _SAME_SHAPE}
_BY_NAME["swift-qwen3-32b-awq"] = _SIZES["qwen3-32b"]
SHAPES = {row[1]: _BY_NAME[row[1]] for row in CHECKPOINTS if row[1] in _BY_NAME}
