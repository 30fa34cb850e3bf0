"""The ``internvl`` family (Shanghai AI Lab / OpenGVLab): InternVL3 and InternVL3.5 as ported to
transformers (the ``-hf`` / ``-HF`` repositories).

``InternVLForConditionalGeneration`` (``model_type: internvl``): an InternViT tower, pixel shuffle
and an MLP projector, then a Qwen2.5 / Qwen3 / Qwen3-MoE / InternLM3 / GPT-OSS language model
(the text config's own ``model_type``). Images (tiled) and videos (frames). Data only; the
loader is :mod:`.vision_loader`. (The original InternVL checkpoints with their own modeling code
are the ``internvl_chat`` rows of another catalogue module.)
"""

from __future__ import annotations

FAMILIES = {
    "internvl": {
        "name": "InternVL (transformers port)",
        "architecture": "InternVLForConditionalGeneration",
        "hf_model_type": "internvl",
        "template": "internvl_hf",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.internlm.vision_loader:InternVLLoader",
        "modalities": ["image", "video"],
        "model_parts": {"vision_tower": ["model.vision_tower"], "aligner": ["model.multi_modal_projector"],
                        "language_model": ["model.language_model", "lm_head"]},
        "support": "tested",
        "support_note": "InternVLForConditionalGeneration, native in transformers; tiled images through "
        "GotOcr2ImageProcessorPil, video frames through the same PIL processor; a tiny model (Qwen2 text) trains and "
        "generates with images and a video in tests/test_mm_vision.py",
        "requires": ["transformers>=4.52.1"],
    },
}

_MOE = "moe"

# fmt: off
CHECKPOINTS = [
    ("internvl", "internvl3-1b-hf", "OpenGVLab/InternVL3-1B-hf", "=", 0.94, 32768, "instruct"),
    ("internvl", "internvl3-2b-hf", "OpenGVLab/InternVL3-2B-hf", "=", 2.09, 32768, "instruct"),
    ("internvl", "internvl3-8b-hf", "OpenGVLab/InternVL3-8B-hf", "=", 7.94, 32768, "instruct"),
    ("internvl", "internvl3-9b-hf", "OpenGVLab/InternVL3-9B-hf", "=", 9.14, 32768, "instruct"),
    ("internvl", "internvl3-14b-hf", "OpenGVLab/InternVL3-14B-hf", "=", 15.1, 32768, "instruct"),
    ("internvl", "internvl3-38b-hf", "OpenGVLab/InternVL3-38B-hf", "=", 38.4, 32768, "instruct"),
    ("internvl", "internvl3-78b-hf", "OpenGVLab/InternVL3-78B-hf", "=", 78.4, 32768, "instruct"),
    ("internvl", "internvl3_5-1b-hf", "OpenGVLab/InternVL3_5-1B-HF", "=", 1.06, 32768, "instruct"),
    ("internvl", "internvl3_5-2b-hf", "OpenGVLab/InternVL3_5-2B-HF", "=", 2.35, 32768, "instruct"),
    ("internvl", "internvl3_5-4b-hf", "OpenGVLab/InternVL3_5-4B-HF", "=", 4.73, 32768, "instruct"),
    ("internvl", "internvl3_5-8b-hf", "OpenGVLab/InternVL3_5-8B-HF", "=", 8.53, 32768, "instruct"),
    ("internvl", "internvl3_5-14b-hf", "OpenGVLab/InternVL3_5-14B-HF", "=", 15.1, 32768, "instruct"),
    ("internvl", "internvl3_5-38b-hf", "OpenGVLab/InternVL3_5-38B-HF", "=", 38.4, 32768, "instruct"),
    ("internvl", "internvl3_5-30b-a3b-hf", "OpenGVLab/InternVL3_5-30B-A3B-HF", "=", 30.8, 32768, "instruct", _MOE),
    ("internvl", "internvl3_5-241b-a28b-hf", "OpenGVLab/InternVL3_5-241B-A28B-HF", "=", 240.7, 32768, "instruct",
     _MOE),
    ("internvl", "internvl3_5-gpt-oss-20b-a4b-preview-hf", "OpenGVLab/InternVL3_5-GPT-OSS-20B-A4B-Preview-HF", "=",
     21.2, 32768, "instruct", _MOE, {"requires": ["transformers>=4.55.0"]}),
]
# fmt: on
