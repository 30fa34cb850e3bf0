"""The ``gpt_oss`` family (OpenAI): gpt-oss-20b and gpt-oss-120b, open-weight reasoning MoE models.

``GptOssForCausalLM``: alternating sliding-window (128) / full attention layers, learned attention
sinks, 32 / 128 experts with 4 per token stored as fused 3-D parameters (LoRA targets the
attention projections). The hub weights of the experts are MXFP4; transformers dequantizes them
to bf16 where the MXFP4 kernels (``kernels`` package, Hopper+ GPU) are absent. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "gpt_oss": {
        "name": "gpt-oss",
        "architecture": "GptOssForCausalLM",
        "hf_model_type": "gpt_oss",
        "template": "gpt_oss",
        "decoder_layer_cls": "GptOssDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.openai.loader:GptOssLoader",
        "support": "tested",
        "support_note": "GptOssForCausalLM, native in transformers; tiny model (one sliding, one full layer, "
        "sinks, 4 experts) through the family test matrix",
        "requires": ["transformers>=4.55"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gpt_oss", "gpt-oss-20b", "openai-mirror/gpt-oss-20b", "openai/gpt-oss-20b", 20.91, 131072, "instruct", "moe", "reasoning", "long-context"),
    ("gpt_oss", "gpt-oss-120b", "openai-mirror/gpt-oss-120b", "openai/gpt-oss-120b", 116.83, 131072, "instruct", "moe", "reasoning", "long-context"),
]
# fmt: on
SHAPES: dict = {}
