"""Qwen2.5-VL architecture (``model_type`` ``qwen2_5_vl``): Qwen2.5-VL and MiMo-VL (Xiaomi).

Qwen2_5_VLForConditionalGeneration is native in transformers (>= 4.49): Qwen2-VL's design with
windowed attention and SwiGLU in the vision tower and absolute time in the video positions
(``second_per_grid_ts``). Media go through the ``qwen2_5_vl`` template's processor.
"""

from __future__ import annotations

#: the loaded model's parts (as Qwen2-VL's: ``model.visual`` / ``model.language_model``)
QWEN_VL_PARTS = {
    "vision_tower": ["model.visual"],
    "aligner": ["model.visual.merger"],
    "language_model": ["model.language_model", "lm_head"],
}
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "qwen2_5_vl": {
        "name": "Qwen2.5-VL",
        "architecture": "Qwen2_5_VLForConditionalGeneration",
        "hf_model_type": "qwen2_5_vl",
        "template": "qwen2_5_vl",
        "loader": "swiftkit.plugins.models.qwen.vision_loader:Qwen2_5VLLoader",
        "decoder_layer_cls": "Qwen2_5_VLDecoderLayer",
        "lora_target_modules": LORA_TARGETS,
        "requires": ["transformers>=4.49"],
        "modalities": ["image", "video"],
        "model_parts": QWEN_VL_PARTS,
        "support": "tested",
        "support_note": "Qwen2_5_VLForConditionalGeneration native in transformers; a tiny model encodes images and "
        "videos through the template, trains (loss falls) and generates in tests/test_mm_qwen.py",
    },
}

_VL = ("vision", "video")
_MIMO = {"template": "mimo_vl"}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("qwen2_5_vl", "qwen2.5-vl-3b-instruct", "Qwen/Qwen2.5-VL-3B-Instruct", "=", 3.75, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-7b-instruct", "Qwen/Qwen2.5-VL-7B-Instruct", "=", 8.29, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-32b-instruct", "Qwen/Qwen2.5-VL-32B-Instruct", "=", 33.5, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-72b-instruct", "Qwen/Qwen2.5-VL-72B-Instruct", "=", 73.4, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-3b-instruct-awq", "Qwen/Qwen2.5-VL-3B-Instruct-AWQ", "=", 3.75, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-7b-instruct-awq", "Qwen/Qwen2.5-VL-7B-Instruct-AWQ", "=", 8.29, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-32b-instruct-awq", "Qwen/Qwen2.5-VL-32B-Instruct-AWQ", "=", 33.5, 128000, "instruct", *_VL),
    ("qwen2_5_vl", "qwen2.5-vl-72b-instruct-awq", "Qwen/Qwen2.5-VL-72B-Instruct-AWQ", "=", 73.4, 128000, "instruct", *_VL),
    # MiMo-VL (Xiaomi): MiMo-7B language model on the Qwen2.5-VL architecture (size from the name)
    ("qwen2_5_vl", "mimo-vl-7b-sft", "XiaomiMiMo/MiMo-VL-7B-SFT", "=", 7.0, 32768, "instruct", "reasoning", *_VL, _MIMO),
    ("qwen2_5_vl", "mimo-vl-7b-rl", "XiaomiMiMo/MiMo-VL-7B-RL", "=", 7.0, 32768, "instruct", "reasoning", *_VL, _MIMO),
]
# fmt: on
