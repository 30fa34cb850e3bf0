"""Qwen2.5-Omni (``model_type`` ``qwen2_5_omni``): the *thinker* (audio encoder, vision encoder,
Qwen2.5 language model; text output) and the *talker* + token2wav (speech output) in one
checkpoint. Native in transformers >= 4.50.

swiftkit trains and serves the thinker (``Qwen2_5OmniThinkerForConditionalGeneration``, read out of
the full checkpoint): audio, images and video in, text out. Speech output (talker, token2wav) is out of scope and
their weights are not loaded; a model saved after training is the thinker alone. The audio and
vision encoders are ms-swift's ``vision_tower``, their projections (the audio encoder's ``proj``,
the vision merger) the ``aligner``; module names are those of the loaded thinker.
"""

from __future__ import annotations

_LM_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "qwen2_5_omni": {
        "name": "Qwen2.5-Omni",
        "architecture": "Qwen2_5OmniForConditionalGeneration",
        "hf_model_type": "qwen2_5_omni",
        "template": "qwen2_5_omni",
        "loader": "swiftkit.plugins.models.qwen.audio_loader:Qwen2_5OmniLoader",
        "decoder_layer_cls": "Qwen2_5OmniDecoderLayer",
        "lora_target_modules": _LM_LINEAR,
        "requires": ["transformers>=4.50", "soundfile"],
        "support": "tested",
        "support_note": "the thinker (Qwen2_5OmniThinkerForConditionalGeneration, native in transformers) is "
        "trained on rows with audio, images and video and generates text from them in swiftkit's tests "
        "(tests/test_mm_audio.py) on a tiny model of the real architecture; speech output (talker, token2wav) and the "
        "audio track of videos (use_audio_in_video) are not supported",
        "modalities": ["image", "video", "audio"],
        "model_parts": {
            "vision_tower": ["audio_tower", "visual"],
            "aligner": ["audio_tower.proj", "visual.merger"],
            "language_model": ["model", "lm_head"],
        },
    },
}

# family, id, ModelScope id, Hugging Face id ("=": same), parameters (billions), context, kind
# fmt: off
CHECKPOINTS = [
    ("qwen2_5_omni", "qwen2.5-omni-3b", "Qwen/Qwen2.5-Omni-3B", "=", 5.5, 32768, "instruct"),
    ("qwen2_5_omni", "qwen2.5-omni-7b", "Qwen/Qwen2.5-Omni-7B", "=", 10.7, 32768, "instruct"),
]
# fmt: on
