"""Idefics3 checkpoints (Hugging Face M4): a SigLIP tower, a pixel-shuffle connector and a
Llama 3 language model (``Idefics3ForConditionalGeneration``). Large images are split into a grid
of crops plus a downscaled global view, each written as ``<fake_token_around_image>`` + a
``<row_r_col_c>`` / ``<global-img>`` marker + its ``<image>`` tokens. SmolVLM uses the same
architecture under its own model type. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "idefics3": {
        "name": "Idefics3",
        "architecture": "Idefics3ForConditionalGeneration",
        "hf_model_type": "idefics3",
        "template": "idefics3",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.huggingface.loader:Idefics3Loader",
        "support": "tested",
        "support_note": ("Idefics3ForConditionalGeneration, native in transformers; a tiny model of it is trained "
                         "on images and generates in tests/test_mm_llava.py"),
        "requires": ["transformers>=4.45"],
        "modalities": ["image"],
        "model_parts": {
            "vision_tower": ["model.vision_model"],
            "aligner": ["model.connector"],
            "language_model": ["model.text_model", "lm_head"],
        },
    },
}

# fmt: off
CHECKPOINTS = [
    ("idefics3", "idefics3-8b-llama3", "AI-ModelScope/Idefics3-8B-Llama3", "HuggingFaceM4/Idefics3-8B-Llama3", 8.46,
     10240, "instruct", "vision"),
]
# fmt: on
