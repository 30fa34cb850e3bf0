"""Loaders of Qwen's audio families (imported only when such a model is loaded or built).

Qwen2-Audio is a Whisper-style audio encoder + a linear projector + Qwen2
(``Qwen2AudioForConditionalGeneration``, config ``audio_config`` + ``text_config``).
Qwen2.5-Omni's checkpoints hold the thinker (audio encoder, vision encoder, Qwen2.5 language
model: text output) and the talker + token2wav (speech output) under one config; swiftkit trains
and serves the thinker only: ``Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained`` reads
it out of a full checkpoint (the talker's weights are not loaded). A tiny Omni checkpoint is the
full model class built with ``enable_audio_output=False`` (thinker weights under ``thinker.``, the
real layout minus the speech parts).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader

#: Whisper-style audio encoder at tiny size: 2 layers of width 32 over 128 mel bins and the
#: real 1500 positions (30 s of features, what the feature extractor pads to)
_TINY_AUDIO = {"d_model": 32, "encoder_layers": 2, "encoder_attention_heads": 2, "encoder_ffn_dim": 64,
               "num_mel_bins": 128, "max_source_positions": 1500}
#: Qwen2-Audio's encoder attends over the whole padded window (Omni's only over the real frames):
#: its tiny models read a 5 s window (250 positions, the feature extractor's ``chunk_length`` 5)
#: so that tests stay fast; the real checkpoints pad to 30 s. Same code path, another size.
_TINY_WINDOW_S = 5


def _save_feature_extractor(out_dir: str, **settings) -> None:
    from transformers import WhisperFeatureExtractor

    from swiftkit.plugins.templates.media.qwen_audio import WHISPER_SETTINGS

    WhisperFeatureExtractor(**{**WHISPER_SETTINGS, **settings}).save_pretrained(out_dir)


class Qwen2AudioLoader(HFVisionLoader):
    """Qwen2-Audio: ``audio_config`` is the audio tower; ``audio_token_id`` the ``<|AUDIO|>`` pad."""

    AUTO_CLASS: ClassVar[str] = "Qwen2AudioForConditionalGeneration"
    VISION_KEY: ClassVar[str] = "audio_config"
    TINY_VISION: ClassVar[dict[str, Any]] = {**_TINY_AUDIO, "max_source_positions": _TINY_WINDOW_S * 50}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"audio_token_id": "<|AUDIO|>"}

    def model_from_config(self, config: Any) -> Any:
        # a model class, not an Auto class: built by its constructor
        return self.auto_class()(config)

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        """The checkpoint's ``preprocessor_config.json`` (WhisperFeatureExtractor, 128 mel bins, 16 kHz,
        the tiny window)."""
        _save_feature_extractor(out_dir, chunk_length=_TINY_WINDOW_S)


class Qwen2_5OmniLoader(HFVisionLoader):
    """Qwen2.5-Omni: the thinker of a full checkpoint (see the module docstring)."""

    AUTO_CLASS: ClassVar[str] = "Qwen2_5OmniThinkerForConditionalGeneration"
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "fullatt_block_indexes": [1],
    }
    TOKEN_KEYS: ClassVar[dict[str, str]] = {
        "audio_token_index": "<|AUDIO|>", "image_token_index": "<|IMAGE|>", "video_token_index": "<|VIDEO|>",
        "audio_start_token_id": "<|audio_bos|>", "audio_end_token_id": "<|audio_eos|>",
        "vision_start_token_id": "<|vision_bos|>", "vision_end_token_id": "<|vision_eos|>",
    }

    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        """A full Omni config whose thinker is tiny (multimodal RoPE sections sized to the tiny
        head dim 16) and whose speech output is off."""
        from transformers import AutoConfig

        text = {**self.tiny_overrides(), "vocab_size": vocab_size,
                "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [2, 3, 3]}}
        hidden = text["hidden_size"]
        thinker: dict[str, Any] = {}
        for key, value in overrides.items():
            if key in ("eos_token_id", "pad_token_id", "bos_token_id"):
                text[key] = value
            else:
                thinker[key] = value
        thinker_config = AutoConfig.for_model(
            "qwen2_5_omni_thinker", text_config=text,
            audio_config={**_TINY_AUDIO, "output_dim": hidden},
            vision_config={**self.TINY_VISION, "out_hidden_size": hidden}, **thinker,
        )
        # the talker keeps its default config (not built: transformers warns that its text token
        # ids lie outside its codec vocabulary, as for the real checkpoints)
        config = AutoConfig.for_model(self.spec.hf_model_type, thinker_config=thinker_config.to_dict(),
                                      enable_audio_output=False)
        for key in ("eos_token_id", "pad_token_id", "bos_token_id"):  # read by build_tiny_model
            setattr(config, key, text.get(key))
        if self.spec.architecture:
            config.architectures = [self.spec.architecture]
        return config

    def model_from_config(self, config: Any) -> Any:
        from transformers import Qwen2_5OmniForConditionalGeneration

        return Qwen2_5OmniForConditionalGeneration(config)

    def check_architecture(self, model: Any) -> None:
        """The thinker is what is loaded from an Omni checkpoint: only another class warns."""
        if type(model).__name__ not in (self.AUTO_CLASS, self.spec.architecture):
            warnings.warn(f"model {self.spec.id!r}: the checkpoint loaded as {type(model).__name__}, "
                          f"not as Qwen2.5-Omni's thinker", stacklevel=3)

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        """The checkpoint's ``preprocessor_config.json``: as the real one, the audio feature
        extractor's settings and the image processor's in one file."""
        import json
        import os

        from swiftkit.plugins.templates.media.qwen_audio import QwenOmniMedia

        _save_feature_extractor(out_dir)
        path = os.path.join(out_dir, "preprocessor_config.json")
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)
        settings.update({k: v for k, v in QwenOmniMedia.DEFAULTS.items()},
                        image_processor_type="Qwen2VLImageProcessor", processor_class="Qwen2_5OmniProcessor")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(settings, f, indent=2, sort_keys=True)
