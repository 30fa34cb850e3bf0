"""Qwen2-VL architecture (``model_type`` ``qwen2_vl``): Qwen2-VL, QVQ-Preview, and the models others
trained on it (UI-TARS, olmOCR, MinerU2.5).

Qwen2VLForConditionalGeneration is native in transformers (>= 4.45): a ViT with 2-D rotary
positions whose 2x2 patch merger feeds a Qwen2 language model with multimodal RoPE. Images and
videos go through the ``qwen2_vl`` template's media processor
(:mod:`swiftkit.plugins.templates.media.qwen_vl`).
"""

from __future__ import annotations

#: the loaded model's parts (transformers 5 layout: ``model.visual`` / ``model.language_model``)
QWEN_VL_PARTS = {
    "vision_tower": ["model.visual"],
    "aligner": ["model.visual.merger"],
    "language_model": ["model.language_model", "lm_head"],
}
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "qwen2_vl": {
        "name": "Qwen2-VL",
        "architecture": "Qwen2VLForConditionalGeneration",
        "hf_model_type": "qwen2_vl",
        "template": "qwen2_vl",
        "loader": "swiftkit.plugins.models.qwen.vision_loader:Qwen2VLLoader",
        "decoder_layer_cls": "Qwen2VLDecoderLayer",
        "lora_target_modules": LORA_TARGETS,
        "requires": ["transformers>=4.45"],
        "modalities": ["image", "video"],
        "model_parts": QWEN_VL_PARTS,
        "support": "tested",
        "support_note": "Qwen2VLForConditionalGeneration native in transformers; a tiny model encodes images and "
        "videos through the template, trains (loss falls) and generates in tests/test_mm_qwen.py",
    },
}

_VL = ("vision", "video")
_QVQ = {"template": "qvq"}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind, tags
# fmt: off
CHECKPOINTS = [
    ("qwen2_vl", "qwen2-vl-2b-instruct", "Qwen/Qwen2-VL-2B-Instruct", "=", 2.21, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-7b-instruct", "Qwen/Qwen2-VL-7B-Instruct", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-72b-instruct", "Qwen/Qwen2-VL-72B-Instruct", "=", 73.4, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-2b", "Qwen/Qwen2-VL-2B", "=", 2.21, 32768, "base", *_VL),
    ("qwen2_vl", "qwen2-vl-7b", "Qwen/Qwen2-VL-7B", "=", 8.29, 32768, "base", *_VL),
    ("qwen2_vl", "qwen2-vl-72b", "Qwen/Qwen2-VL-72B", "=", 73.4, 32768, "base", *_VL),
    ("qwen2_vl", "qwen2-vl-2b-instruct-gptq-int4", "Qwen/Qwen2-VL-2B-Instruct-GPTQ-Int4", "=", 2.21, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-7b-instruct-gptq-int4", "Qwen/Qwen2-VL-7B-Instruct-GPTQ-Int4", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-72b-instruct-gptq-int4", "Qwen/Qwen2-VL-72B-Instruct-GPTQ-Int4", "=", 73.4, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-2b-instruct-gptq-int8", "Qwen/Qwen2-VL-2B-Instruct-GPTQ-Int8", "=", 2.21, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-7b-instruct-gptq-int8", "Qwen/Qwen2-VL-7B-Instruct-GPTQ-Int8", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-72b-instruct-gptq-int8", "Qwen/Qwen2-VL-72B-Instruct-GPTQ-Int8", "=", 73.4, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-2b-instruct-awq", "Qwen/Qwen2-VL-2B-Instruct-AWQ", "=", 2.21, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-7b-instruct-awq", "Qwen/Qwen2-VL-7B-Instruct-AWQ", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "qwen2-vl-72b-instruct-awq", "Qwen/Qwen2-VL-72B-Instruct-AWQ", "=", 73.4, 32768, "instruct", *_VL),
    # UI-TARS (ByteDance): GUI agents fine-tuned from Qwen2-VL
    ("qwen2_vl", "ui-tars-2b-sft", "bytedance-research/UI-TARS-2B-SFT", "=", 2.21, 32768, "instruct", *_VL),
    ("qwen2_vl", "ui-tars-7b-sft", "bytedance-research/UI-TARS-7B-SFT", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "ui-tars-7b-dpo", "bytedance-research/UI-TARS-7B-DPO", "=", 8.29, 32768, "instruct", *_VL),
    ("qwen2_vl", "ui-tars-72b-sft", "bytedance-research/UI-TARS-72B-SFT", "=", 73.4, 32768, "instruct", *_VL),
    ("qwen2_vl", "ui-tars-72b-dpo", "bytedance-research/UI-TARS-72B-DPO", "=", 73.4, 32768, "instruct", *_VL),
    # olmOCR (AllenAI): document OCR fine-tuned from Qwen2-VL-7B-Instruct
    ("qwen2_vl", "olmocr-7b-0225-preview", "allenai/olmOCR-7B-0225-preview", "=", 8.29, 32768, "instruct", *_VL),
    # QVQ-72B-Preview: visual reasoning, Qwen2-VL-72B architecture, its own system prompt
    ("qwen2_vl", "qvq-72b-preview", "Qwen/QVQ-72B-Preview", "=", 73.4, 32768, "instruct", "reasoning", *_VL, _QVQ),
    # MinerU2.5 (OpenDataLab): document parsing on the Qwen2-VL architecture
    ("qwen2_vl", "mineru2.5-pro-2604-1.2b", "OpenDataLab/MinerU2.5-Pro-2604-1.2B", "opendatalab/MinerU2.5-Pro-2604-1.2B",
     1.2, 32768, "instruct", *_VL),
]
# fmt: on
