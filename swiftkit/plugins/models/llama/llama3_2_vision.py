"""The ``llama3_2_vision`` family (Meta): Llama 3.2 11B/90B Vision, base and instruct.

``MllamaForConditionalGeneration`` (``model_type: mllama``): a tiled vision encoder whose
features the Llama 3.1 language model reads through cross-attention layers inserted every few
layers. Images only. Data only; the loader is :mod:`.vision_loader`.
"""

from __future__ import annotations

FAMILIES = {
    "llama3_2_vision": {
        "name": "Llama 3.2 Vision",
        "architecture": "MllamaForConditionalGeneration",
        "hf_model_type": "mllama",
        "template": "llama3_2_vision",
        "decoder_layer_cls": "MllamaSelfAttentionDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.llama.vision_loader:MllamaLoader",
        "modalities": ["image"],
        "model_parts": {"vision_tower": ["model.vision_model"], "aligner": ["model.multi_modal_projector"],
                        "language_model": ["model.language_model", "lm_head"]},
        "support": "tested",
        "support_note": "MllamaForConditionalGeneration, native in transformers; images through "
        "MllamaImageProcessorPil, cross-attention masks built as MllamaProcessor builds them; a tiny model trains "
        "and generates with images in tests/test_mm_vision.py",
        "requires": ["transformers>=4.45"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("llama3_2_vision", "llama3.2-11b-vision-instruct", "LLM-Research/Llama-3.2-11B-Vision-Instruct",
     "meta-llama/Llama-3.2-11B-Vision-Instruct", 10.7, 131072, "instruct"),
    ("llama3_2_vision", "llama3.2-90b-vision-instruct", "LLM-Research/Llama-3.2-90B-Vision-Instruct",
     "meta-llama/Llama-3.2-90B-Vision-Instruct", 88.6, 131072, "instruct"),
    ("llama3_2_vision", "llama3.2-11b-vision", "LLM-Research/Llama-3.2-11B-Vision",
     "meta-llama/Llama-3.2-11B-Vision", 10.7, 131072, "base"),
    ("llama3_2_vision", "llama3.2-90b-vision", "LLM-Research/Llama-3.2-90B-Vision",
     "meta-llama/Llama-3.2-90B-Vision", 88.6, 131072, "base"),
]
# fmt: on
