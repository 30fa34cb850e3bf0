"""Qwen3-VL-MoE architecture (``model_type`` ``qwen3_vl_moe``): Qwen3-VL-30B-A3B and 235B-A22B.

Qwen3VLMoeForConditionalGeneration is native in transformers (>= 4.57): Qwen3-VL's vision tower
in front of a Qwen3-MoE language model (128 experts, 8 active). Same template and media
processor as Qwen3-VL (``qwen3_vl``).
"""

from __future__ import annotations

#: the loaded model's parts: the DeepStack mergers project vision features too, so they align
QWEN_VL_PARTS = {
    "vision_tower": ["model.visual"],
    "aligner": ["model.visual.merger", "model.visual.deepstack_merger_list"],
    "language_model": ["model.language_model", "lm_head"],
}

FAMILIES = {
    "qwen3_vl_moe": {
        "name": "Qwen3-VL-MoE",
        "architecture": "Qwen3VLMoeForConditionalGeneration",
        "hf_model_type": "qwen3_vl_moe",
        "template": "qwen3_vl",
        "loader": "swiftkit.plugins.models.qwen.vision_loader:Qwen3VLMoeLoader",
        "decoder_layer_cls": "Qwen3VLMoeTextDecoderLayer",
        # attention only: the experts are fused 3-D parameters, not Linear layers
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "requires": ["transformers>=4.57"],
        "modalities": ["image", "video"],
        "model_parts": QWEN_VL_PARTS,
        "support": "tested",
        "support_note": "Qwen3VLMoeForConditionalGeneration native in transformers; a tiny model (4 experts) encodes "
        "images through the template, trains (loss falls) and generates in tests/test_mm_qwen.py",
    },
}

_VL = ("vision", "video")

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("qwen3_vl_moe", "qwen3-vl-30b-a3b-instruct", "Qwen/Qwen3-VL-30B-A3B-Instruct", "=", 31.1, 262144, "instruct", "moe", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-30b-a3b-thinking", "Qwen/Qwen3-VL-30B-A3B-Thinking", "=", 31.1, 262144, "instruct", "moe", "thinking", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-30b-a3b-instruct-fp8", "Qwen/Qwen3-VL-30B-A3B-Instruct-FP8", "=", 31.1, 262144, "instruct", "moe", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-30b-a3b-thinking-fp8", "Qwen/Qwen3-VL-30B-A3B-Thinking-FP8", "=", 31.1, 262144, "instruct", "moe", "thinking", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-235b-a22b-instruct", "Qwen/Qwen3-VL-235B-A22B-Instruct", "=", 236, 262144, "instruct", "moe", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-235b-a22b-thinking", "Qwen/Qwen3-VL-235B-A22B-Thinking", "=", 236, 262144, "instruct", "moe", "thinking", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-235b-a22b-instruct-fp8", "Qwen/Qwen3-VL-235B-A22B-Instruct-FP8", "=", 236, 262144, "instruct", "moe", *_VL),
    ("qwen3_vl_moe", "qwen3-vl-235b-a22b-thinking-fp8", "Qwen/Qwen3-VL-235B-A22B-Thinking-FP8", "=", 236, 262144, "instruct", "moe", "thinking", *_VL),
]
# fmt: on
