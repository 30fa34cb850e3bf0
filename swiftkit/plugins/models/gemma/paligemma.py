"""PaliGemma and PaliGemma 2 checkpoints (Google): a SigLIP-So400m tower, a linear projector and a
Gemma (PaliGemma) or Gemma 2 (PaliGemma 2) language model (``PaliGemmaForConditionalGeneration``).
Not a chat model: the input is the image tokens, ``<bos>``, a task prefix and ``\\n``; the answer
(the "suffix") follows and ends with ``<eos>``. ``pt`` checkpoints are pre-trained for transfer,
``mix`` / ``ft`` ones fine-tuned on task mixtures. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "paligemma": {
        "name": "PaliGemma",
        "architecture": "PaliGemmaForConditionalGeneration",
        "hf_model_type": "paligemma",
        "template": "paligemma",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.gemma.paligemma_loader:PaliGemmaLoader",
        "support": "tested",
        "support_note": ("PaliGemmaForConditionalGeneration, native in transformers; a tiny model of it is trained "
                         "on images and generates in tests/test_mm_llava.py. Training attends causally over the "
                         "prefix too (no token_type_ids), where Google's recipe attends to the prefix fully"),
        "requires": ["transformers>=4.41"],
        "modalities": ["image"],
        "model_parts": {
            "vision_tower": ["model.vision_tower"],
            "aligner": ["model.multi_modal_projector"],
            "language_model": ["model.language_model", "lm_head"],
        },
    },
}

# fmt: off
CHECKPOINTS = [
    ("paligemma", "paligemma-3b-pt-224", "AI-ModelScope/paligemma-3b-pt-224", "google/paligemma-3b-pt-224", 2.92, 8192,
     "base", "vision"),
    ("paligemma", "paligemma-3b-pt-448", "AI-ModelScope/paligemma-3b-pt-448", "google/paligemma-3b-pt-448", 2.92, 8192,
     "base", "vision"),
    ("paligemma", "paligemma-3b-pt-896", "AI-ModelScope/paligemma-3b-pt-896", "google/paligemma-3b-pt-896", 2.92, 8192,
     "base", "vision"),
    ("paligemma", "paligemma-3b-mix-224", "AI-ModelScope/paligemma-3b-mix-224", "google/paligemma-3b-mix-224", 2.92,
     8192, "instruct", "vision"),
    ("paligemma", "paligemma-3b-mix-448", "AI-ModelScope/paligemma-3b-mix-448", "google/paligemma-3b-mix-448", 2.92,
     8192, "instruct", "vision"),
    ("paligemma", "paligemma2-3b-pt-224", "AI-ModelScope/paligemma2-3b-pt-224", "google/paligemma2-3b-pt-224", 3.03,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-3b-pt-448", "AI-ModelScope/paligemma2-3b-pt-448", "google/paligemma2-3b-pt-448", 3.03,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-3b-pt-896", "AI-ModelScope/paligemma2-3b-pt-896", "google/paligemma2-3b-pt-896", 3.03,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-10b-pt-224", "AI-ModelScope/paligemma2-10b-pt-224", "google/paligemma2-10b-pt-224", 9.66,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-10b-pt-448", "AI-ModelScope/paligemma2-10b-pt-448", "google/paligemma2-10b-pt-448", 9.66,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-10b-pt-896", "AI-ModelScope/paligemma2-10b-pt-896", "google/paligemma2-10b-pt-896", 9.66,
     8192, "base", "vision"),
    ("paligemma", "paligemma2-28b-pt-224", "AI-ModelScope/paligemma2-28b-pt-224", "google/paligemma2-28b-pt-224",
     27.65, 8192, "base", "vision"),
    ("paligemma", "paligemma2-28b-pt-448", "AI-ModelScope/paligemma2-28b-pt-448", "google/paligemma2-28b-pt-448",
     27.65, 8192, "base", "vision"),
    ("paligemma", "paligemma2-28b-pt-896", "AI-ModelScope/paligemma2-28b-pt-896", "google/paligemma2-28b-pt-896",
     27.65, 8192, "base", "vision"),
    ("paligemma", "paligemma2-3b-ft-docci-448", "AI-ModelScope/paligemma2-3b-ft-docci-448",
     "google/paligemma2-3b-ft-docci-448", 3.03, 8192, "instruct", "vision"),
    ("paligemma", "paligemma2-10b-ft-docci-448", "AI-ModelScope/paligemma2-10b-ft-docci-448",
     "google/paligemma2-10b-ft-docci-448", 9.66, 8192, "instruct", "vision"),
]
# fmt: on
