"""The ``mistral3`` and ``mistral3_2506`` families (Mistral AI): Mistral-Small 3.1 (2503), Ministral 3
(2512: base, instruct, reasoning) and Mistral-Small 3.2 (2506), which read images.

``Mistral3ForConditionalGeneration`` (``model_type: mistral3``): a Pixtral vision encoder, a
patch-merging projector and the Mistral (Ministral 3: ``ministral3``) language model. Images only.
Data only; the loader is :mod:`.vision_loader`.
"""

from __future__ import annotations

_FAMILY = {
    "architecture": "Mistral3ForConditionalGeneration",
    "hf_model_type": "mistral3",
    "decoder_layer_cls": "MistralDecoderLayer",
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "loader": "swiftkit.plugins.models.mistral.vision_loader:Mistral3Loader",
    "modalities": ["image"],
    "model_parts": {"vision_tower": ["model.vision_tower"], "aligner": ["model.multi_modal_projector"],
                    "language_model": ["model.language_model", "lm_head"]},
    "support": "tested",
    "support_note": "Mistral3ForConditionalGeneration, native in transformers; images through "
    "PixtralImageProcessorPil with [IMG]/[IMG_BREAK]/[IMG_END] rows; a tiny model trains and generates with images "
    "in tests/test_mm_vision.py",
    "requires": ["transformers>=4.50"],
}

FAMILIES = {
    "mistral3": {**_FAMILY, "name": "Mistral 3 (Mistral-Small 3.1, Ministral 3)", "template": "mistral_2503"},
    "mistral3_2506": {**_FAMILY, "name": "Mistral-Small 3.2 (2506)", "template": "mistral_2506"},
}

_2512 = {"template": "mistral_2512", "requires": ["transformers>=5.0"]}
_REASONING = {"template": "mistral_2512_thinking", "requires": ["transformers>=5.0"]}

# fmt: off
CHECKPOINTS = [
    ("mistral3", "mistral-small-3.1-24b-base-2503", "mistralai/Mistral-Small-3.1-24B-Base-2503", "=", 24.0, 131072,
     "base"),
    ("mistral3", "mistral-small-3.1-24b-instruct-2503", "mistralai/Mistral-Small-3.1-24B-Instruct-2503", "=", 24.0,
     131072, "instruct"),
    ("mistral3", "ministral-3-3b-base-2512", "mistralai/Ministral-3-3B-Base-2512", "=", 3.8, 262144, "base", _2512),
    ("mistral3", "ministral-3-3b-instruct-2512", "mistralai/Ministral-3-3B-Instruct-2512", "=", 3.8, 262144,
     "instruct", _2512),
    ("mistral3", "ministral-3-3b-instruct-2512-bf16", "mistralai/Ministral-3-3B-Instruct-2512-BF16", "=", 3.8, 262144,
     "instruct", _2512),
    ("mistral3", "ministral-3-8b-base-2512", "mistralai/Ministral-3-8B-Base-2512", "=", 8.9, 262144, "base", _2512),
    ("mistral3", "ministral-3-8b-instruct-2512", "mistralai/Ministral-3-8B-Instruct-2512", "=", 8.9, 262144,
     "instruct", _2512),
    ("mistral3", "ministral-3-8b-instruct-2512-bf16", "mistralai/Ministral-3-8B-Instruct-2512-BF16", "=", 8.9, 262144,
     "instruct", _2512),
    ("mistral3", "ministral-3-14b-base-2512", "mistralai/Ministral-3-14B-Base-2512", "=", 13.9, 262144, "base", _2512),
    ("mistral3", "ministral-3-14b-instruct-2512", "mistralai/Ministral-3-14B-Instruct-2512", "=", 13.9, 262144,
     "instruct", _2512),
    ("mistral3", "ministral-3-14b-instruct-2512-bf16", "mistralai/Ministral-3-14B-Instruct-2512-BF16", "=", 13.9,
     262144, "instruct", _2512),
    ("mistral3", "ministral-3-3b-reasoning-2512", "mistralai/Ministral-3-3B-Reasoning-2512", "=", 3.8, 262144,
     "instruct", "reasoning", _REASONING),
    ("mistral3", "ministral-3-8b-reasoning-2512", "mistralai/Ministral-3-8B-Reasoning-2512", "=", 8.9, 262144,
     "instruct", "reasoning", _REASONING),
    ("mistral3", "ministral-3-14b-reasoning-2512", "mistralai/Ministral-3-14B-Reasoning-2512", "=", 13.9, 262144,
     "instruct", "reasoning", _REASONING),
    ("mistral3_2506", "mistral-small-3.2-24b-instruct-2506", "mistralai/Mistral-Small-3.2-24B-Instruct-2506", "=",
     24.0, 131072, "instruct"),
]
# fmt: on
