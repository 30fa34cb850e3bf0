"""The ``glm4v`` and ``glm4v_moe`` families (Zhipu AI / Z.ai): GLM-4.1V (base, thinking), AutoGLM-Phone,
Glyph, GLM-4.6V-Flash (dense) and GLM-4.5V / GLM-4.6V (MoE), which read images.

``Glm4vForConditionalGeneration`` / ``Glm4vMoeForConditionalGeneration`` (``model_type: glm4v`` /
``glm4v_moe``): a ViT over 14 px patches of any image size, 2x2 patch merging, and the GLM-4 /
GLM-4.5-MoE language model with 3-D RoPE. Images and videos (frames patched in the layout of
transformers' video processor, which itself needs torchvision). Data only; the loaders are in
:mod:`.vision_loader`.
"""

from __future__ import annotations

_PARTS = {"vision_tower": ["model.visual"], "aligner": ["model.visual.merger"],
          "language_model": ["model.language_model", "lm_head"]}
_NOTE = ("{arch}, native in transformers; images through Glm4vImageProcessorPil, video frames patched as "
         "Glm4vVideoProcessor lays them out, mm_token_type_ids for the 3-D positions; a tiny model trains and "
         "generates with images (and reads a video) in tests/test_mm_vision.py")

FAMILIES = {
    "glm4v": {
        "name": "GLM-4V (GLM-4.1V, GLM-4.6V-Flash)",
        "architecture": "Glm4vForConditionalGeneration",
        "hf_model_type": "glm4v",
        "template": "glm4v",
        "decoder_layer_cls": "Glm4vTextDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.zhipu.vision_loader:Glm4vLoader",
        "modalities": ["image", "video"],
        "model_parts": _PARTS,
        "support": "tested",
        "support_note": _NOTE.format(arch="Glm4vForConditionalGeneration"),
        "requires": ["transformers>=4.53"],
    },
    "glm4v_moe": {
        "name": "GLM-4.5V / GLM-4.6V (MoE)",
        "architecture": "Glm4vMoeForConditionalGeneration",
        "hf_model_type": "glm4v_moe",
        "template": "glm4_5v",
        "decoder_layer_cls": "Glm4vMoeTextDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.zhipu.vision_loader:Glm4vMoeLoader",
        "modalities": ["image", "video"],
        "model_parts": _PARTS,
        "support": "tested",
        "support_note": _NOTE.format(arch="Glm4vMoeForConditionalGeneration"),
        "requires": ["transformers>=4.56"],
    },
}

_45V = {"template": "glm4_5v"}

# fmt: off
CHECKPOINTS = [
    ("glm4v", "glm-4.1v-9b-base", "ZhipuAI/GLM-4.1V-9B-Base", "zai-org/GLM-4.1V-9B-Base", 10.3, 65536, "base"),
    ("glm4v", "glm-4.1v-9b-thinking", "ZhipuAI/GLM-4.1V-9B-Thinking", "zai-org/GLM-4.1V-9B-Thinking", 10.3, 65536,
     "instruct", "reasoning"),
    ("glm4v", "autoglm-phone-9b", "ZhipuAI/AutoGLM-Phone-9B", "zai-org/AutoGLM-Phone-9B", 10.3, 65536, "instruct"),
    ("glm4v", "glyph", "ZhipuAI/Glyph", "zai-org/Glyph", 10.3, 65536, "instruct", _45V),
    ("glm4v", "glm-4.6v-flash", "ZhipuAI/GLM-4.6V-Flash", "zai-org/GLM-4.6V-Flash", 10.3, 131072, "instruct",
     "reasoning", {"template": "glm4_5v", "requires": ["transformers>=5.0"]}),
    ("glm4v_moe", "glm-4.5v", "ZhipuAI/GLM-4.5V", "zai-org/GLM-4.5V", 108.0, 65536, "instruct", "moe", "reasoning"),
    ("glm4v_moe", "glm-4.5v-fp8", "ZhipuAI/GLM-4.5V-FP8", "zai-org/GLM-4.5V-FP8", 108.0, 65536, "instruct", "moe",
     "reasoning"),
    ("glm4v_moe", "glm-4.6v", "ZhipuAI/GLM-4.6V", "zai-org/GLM-4.6V", 108.0, 131072, "instruct", "moe", "reasoning",
     {"requires": ["transformers>=5.0"]}),
    ("glm4v_moe", "glm-4.6v-fp8", "ZhipuAI/GLM-4.6V-FP8", "zai-org/GLM-4.6V-FP8", 108.0, 131072, "instruct", "moe",
     "reasoning", {"requires": ["transformers>=5.0"]}),
]
# fmt: on
