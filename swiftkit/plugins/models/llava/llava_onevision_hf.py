"""LLaVA-OneVision checkpoints (llava-hf ports): a SigLIP tower, an MLP projector and a Qwen2
language model (``LlavaOnevisionForConditionalGeneration``); images tiled "anyres_max_9" (up to
nine crops plus the base view), videos as pooled frames. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "llava_onevision_hf": {
        "name": "LLaVA-OneVision",
        "architecture": "LlavaOnevisionForConditionalGeneration",
        "hf_model_type": "llava_onevision",
        "template": "llava_onevision_hf",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.llava.loader:LlavaOnevisionLoader",
        "support": "tested",
        "support_note": ("LlavaOnevisionForConditionalGeneration, native in transformers; a tiny model of it is "
                         "trained on images and generates in tests/test_mm_llava.py"),
        "requires": ["transformers>=4.45"],
        "modalities": ["image", "video"],
        "model_parts": {
            "vision_tower": ["model.vision_tower"],
            "aligner": ["model.multi_modal_projector", "model.image_newline"],
            "language_model": ["model.language_model", "lm_head"],
        },
    },
}

# fmt: off
CHECKPOINTS = [
    ("llava_onevision_hf", "llava-onevision-qwen2-0.5b-ov-hf", "llava-hf/llava-onevision-qwen2-0.5b-ov-hf", "=",
     0.89, 32768, "instruct", "vision", "video"),
    ("llava_onevision_hf", "llava-onevision-qwen2-7b-ov-hf", "llava-hf/llava-onevision-qwen2-7b-ov-hf", "=",
     8.03, 32768, "instruct", "vision", "video"),
    ("llava_onevision_hf", "llava-onevision-qwen2-72b-ov-hf", "llava-hf/llava-onevision-qwen2-72b-ov-hf", "=",
     73.2, 32768, "instruct", "vision", "video"),
]
# fmt: on
