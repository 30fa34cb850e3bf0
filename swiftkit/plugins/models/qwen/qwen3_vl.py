"""Qwen3-VL architecture (``model_type`` ``qwen3_vl``): Qwen3-VL Instruct and Thinking (dense).

Qwen3VLForConditionalGeneration is native in transformers (>= 4.57): 16-pixel patches, learned
2-D position embeddings, DeepStack features injected into the first language-model layers, and
a Qwen3 language model with interleaved multimodal RoPE. Videos are written with a timestamp
per temporal patch (``<0.5 seconds>``). Media go through the ``qwen3_vl`` template's processor.
"""

from __future__ import annotations

#: the loaded model's parts: the DeepStack mergers project vision features too, so they align
QWEN_VL_PARTS = {
    "vision_tower": ["model.visual"],
    "aligner": ["model.visual.merger", "model.visual.deepstack_merger_list"],
    "language_model": ["model.language_model", "lm_head"],
}
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "qwen3_vl": {
        "name": "Qwen3-VL",
        "architecture": "Qwen3VLForConditionalGeneration",
        "hf_model_type": "qwen3_vl",
        "template": "qwen3_vl",
        "loader": "swiftkit.plugins.models.qwen.vision_loader:Qwen3VLLoader",
        "decoder_layer_cls": "Qwen3VLTextDecoderLayer",
        "lora_target_modules": LORA_TARGETS,
        "requires": ["transformers>=4.57"],
        "modalities": ["image", "video"],
        "model_parts": QWEN_VL_PARTS,
        "support": "tested",
        "support_note": "Qwen3VLForConditionalGeneration native in transformers; a tiny model encodes images and "
        "videos through the template, trains (loss falls) and generates in tests/test_mm_qwen.py",
    },
}

_VL = ("vision", "video")
_THINK = "thinking"

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("qwen3_vl", "qwen3-vl-2b-instruct", "Qwen/Qwen3-VL-2B-Instruct", "=", 2.13, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-2b-thinking", "Qwen/Qwen3-VL-2B-Thinking", "=", 2.13, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-2b-instruct-fp8", "Qwen/Qwen3-VL-2B-Instruct-FP8", "=", 2.13, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-2b-thinking-fp8", "Qwen/Qwen3-VL-2B-Thinking-FP8", "=", 2.13, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-4b-instruct", "Qwen/Qwen3-VL-4B-Instruct", "=", 4.44, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-4b-thinking", "Qwen/Qwen3-VL-4B-Thinking", "=", 4.44, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-4b-instruct-fp8", "Qwen/Qwen3-VL-4B-Instruct-FP8", "=", 4.44, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-4b-thinking-fp8", "Qwen/Qwen3-VL-4B-Thinking-FP8", "=", 4.44, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-8b-instruct", "Qwen/Qwen3-VL-8B-Instruct", "=", 8.77, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-8b-thinking", "Qwen/Qwen3-VL-8B-Thinking", "=", 8.77, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-8b-instruct-fp8", "Qwen/Qwen3-VL-8B-Instruct-FP8", "=", 8.77, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-8b-thinking-fp8", "Qwen/Qwen3-VL-8B-Thinking-FP8", "=", 8.77, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-32b-instruct", "Qwen/Qwen3-VL-32B-Instruct", "=", 33.4, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-32b-thinking", "Qwen/Qwen3-VL-32B-Thinking", "=", 33.4, 262144, "instruct", _THINK, *_VL),
    ("qwen3_vl", "qwen3-vl-32b-instruct-fp8", "Qwen/Qwen3-VL-32B-Instruct-FP8", "=", 33.4, 262144, "instruct", *_VL),
    ("qwen3_vl", "qwen3-vl-32b-thinking-fp8", "Qwen/Qwen3-VL-32B-Thinking-FP8", "=", 33.4, 262144, "instruct", _THINK, *_VL),
]
# fmt: on
