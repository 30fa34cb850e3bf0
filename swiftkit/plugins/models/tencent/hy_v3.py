"""Hy3 (ms-swift model type ``hy_v3``): Tencent's 295B mixture-of-experts model (21B active;
192 routed experts, top-8, one shared expert, the first layer dense), 256K context, with
configurable reasoning effort. The preview, its base checkpoint, the release and its FP8 build.

Parameter count and context from the Hy3-preview model card; the release (``Hy3``) is assumed
to keep the preview's architecture (same model type and class).
"""

from __future__ import annotations

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "hy_v3": {
        "name": "Hy3",
        "architecture": "HYV3ForCausalLM",
        "hf_model_type": "hy_v3",
        "template": "hy_v3",
        "decoder_layer_cls": "HYV3DecoderLayer",
        # routed experts are fused 3-D parameters: LoRA adapts attention, the dense layer and the shared expert
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.tencent.loader:HY3Loader",
        "requires": ["transformers>=5.6.0"],
        "support": "tested",
        "support_note": "HYV3ForCausalLM is native in transformers 5.19; a tiny model (4 experts, top-2, a dense "
        "first layer, a shared expert) passes the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

_PREVIEW = {"template": "hy_v3_preview"}

# fmt: off
CHECKPOINTS = [
    ("hy_v3", "hy3-preview", "Tencent-Hunyuan/Hy3-preview", "tencent/Hy3-preview", 295.0, 262144, "instruct",
     "moe", "thinking", "long-context", _PREVIEW),
    ("hy_v3", "hy3-preview-base", "Tencent-Hunyuan/Hy3-preview-Base", "tencent/Hy3-preview-Base", 295.0, 262144,
     "base", "moe", "long-context", _PREVIEW),
    ("hy_v3", "hy3", "Tencent-Hunyuan/Hy3", "tencent/Hy3", 295.0, 262144, "instruct", "moe", "thinking", "long-context"),
    ("hy_v3", "hy3-fp8", "Tencent-Hunyuan/Hy3-FP8", "tencent/Hy3-FP8", 295.0, 262144, "instruct", "moe", "thinking",
     "long-context"),
]
# fmt: on
