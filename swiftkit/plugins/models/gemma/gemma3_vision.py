"""The ``gemma3_vision`` family (Google): Gemma 3 4B/12B/27B and MedGemma 4B/27B, which read images.

``Gemma3ForConditionalGeneration`` (``model_type: gemma3``): a SigLIP vision tower, a projector
that pools each image to 256 soft tokens, and the Gemma 3 language model. Images only (no video
in the processor). Data only; the loader is :mod:`.vision_loader`.
"""

from __future__ import annotations

FAMILIES = {
    "gemma3_vision": {
        "name": "Gemma 3 (vision)",
        "architecture": "Gemma3ForConditionalGeneration",
        "hf_model_type": "gemma3",
        "template": "gemma3_vision",
        "decoder_layer_cls": "Gemma3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.gemma.vision_loader:Gemma3VisionLoader",
        "modalities": ["image"],
        "model_parts": {"vision_tower": ["model.vision_tower"], "aligner": ["model.multi_modal_projector"],
                        "language_model": ["model.language_model", "lm_head"]},
        "support": "tested",
        "support_note": "Gemma3ForConditionalGeneration, native in transformers; images through "
        "Gemma3ImageProcessorPil; a tiny model (SigLIP tower, pooled soft tokens) trains and generates with images "
        "in tests/test_mm_vision.py",
        "requires": ["transformers>=4.50"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("gemma3_vision", "gemma-3-4b-pt", "LLM-Research/gemma-3-4b-pt", "google/gemma-3-4b-pt", 4.3, 131072, "base"),
    ("gemma3_vision", "gemma-3-4b-it", "LLM-Research/gemma-3-4b-it", "google/gemma-3-4b-it", 4.3, 131072, "instruct"),
    ("gemma3_vision", "gemma-3-12b-pt", "LLM-Research/gemma-3-12b-pt", "google/gemma-3-12b-pt", 12.2, 131072, "base"),
    ("gemma3_vision", "gemma-3-12b-it", "LLM-Research/gemma-3-12b-it", "google/gemma-3-12b-it", 12.2, 131072,
     "instruct"),
    ("gemma3_vision", "gemma-3-27b-pt", "LLM-Research/gemma-3-27b-pt", "google/gemma-3-27b-pt", 27.4, 131072, "base"),
    ("gemma3_vision", "gemma-3-27b-it", "LLM-Research/gemma-3-27b-it", "google/gemma-3-27b-it", 27.4, 131072,
     "instruct"),
    ("gemma3_vision", "medgemma-4b-pt", "google/medgemma-4b-pt", "=", 4.3, 131072, "base"),
    ("gemma3_vision", "medgemma-4b-it", "google/medgemma-4b-it", "=", 4.3, 131072, "instruct"),
    ("gemma3_vision", "medgemma-27b-it", "google/medgemma-27b-it", "=", 27.4, 131072, "instruct"),
]
# fmt: on
