"""The ``pixtral`` family (Mistral AI): Pixtral-12B as ported to transformers (mistral-community).

``LlavaForConditionalGeneration`` (``model_type: llava``) with a Pixtral vision encoder (images
at their own aspect ratio, 16 px patches) and the Mistral-Nemo language model. Images only.
Data only; the loader is :mod:`.vision_loader`.
"""

from __future__ import annotations

FAMILIES = {
    "pixtral": {
        "name": "Pixtral",
        "architecture": "LlavaForConditionalGeneration",
        "hf_model_type": "llava",
        "template": "pixtral",
        "decoder_layer_cls": "MistralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.mistral.vision_loader:PixtralLoader",
        "modalities": ["image"],
        "model_parts": {"vision_tower": ["model.vision_tower"], "aligner": ["model.multi_modal_projector"],
                        "language_model": ["model.language_model", "lm_head"]},
        "support": "tested",
        "support_note": "LlavaForConditionalGeneration with a Pixtral vision config, native in transformers; images "
        "through PixtralImageProcessorPil; a tiny model trains and generates with images in tests/test_mm_vision.py",
        "requires": ["transformers>=4.45"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("pixtral", "pixtral-12b", "AI-ModelScope/pixtral-12b", "mistral-community/pixtral-12b", 12.7, 131072, "instruct"),
]
# fmt: on
