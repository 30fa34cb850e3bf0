"""Qwen2-Audio (``model_type`` ``qwen2_audio``): a Whisper-large-v3-style audio encoder, a linear
projector and Qwen-7B (``Qwen2AudioForConditionalGeneration``, native in transformers >= 4.45).

Audio in, text out. The audio encoder counts as ms-swift's ``vision_tower`` (its name for the
media encoder of every multimodal model, audio included), the projector as the ``aligner``.
"""

from __future__ import annotations

_LM_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "qwen2_audio": {
        "name": "Qwen2-Audio",
        "architecture": "Qwen2AudioForConditionalGeneration",
        "hf_model_type": "qwen2_audio",
        "template": "qwen2_audio",
        "loader": "swiftkit.plugins.models.qwen.audio_loader:Qwen2AudioLoader",
        "decoder_layer_cls": "Qwen2DecoderLayer",
        "lora_target_modules": _LM_LINEAR,
        "requires": ["transformers>=4.45", "soundfile"],
        "support": "tested",
        "support_note": "Qwen2AudioForConditionalGeneration native in transformers; a tiny model of the real "
        "architecture (Whisper-style audio tower + projector + Qwen2) is trained on audio rows and generates from "
        "audio in swiftkit's tests (tests/test_mm_audio.py); features and prompt match the transformers processor",
        "modalities": ["audio"],
        "model_parts": {
            "vision_tower": ["model.audio_tower"],
            "aligner": ["model.multi_modal_projector"],
            "language_model": ["model.language_model", "lm_head"],
        },
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind
# fmt: off
CHECKPOINTS = [
    ("qwen2_audio", "qwen2-audio-7b-instruct", "Qwen/Qwen2-Audio-7B-Instruct", "=", 8.4, 8192, "instruct"),
    ("qwen2_audio", "qwen2-audio-7b", "Qwen/Qwen2-Audio-7B", "=", 8.4, 8192, "base"),
]
# fmt: on
