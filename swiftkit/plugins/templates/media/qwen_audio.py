"""Media processors of Qwen2-Audio and Qwen2.5-Omni (the thinker): audio through Whisper's
log-mel feature extractor, as their transformers processors do.

Both families read 16 kHz audio as 128-bin log-mel frames padded to 30 s (``input_features``,
``feature_attention_mask`` marking the real frames); the audio encoder halves the frames twice
(a stride-2 convolution, then a stride-2 pooling), so an audio of ``L`` real frames becomes
``((L - 1) // 2 + 1 - 2) // 2 + 1`` embeddings, one per ``<|AUDIO|>`` pad token in the text
(what ``Qwen2AudioProcessor`` / ``Qwen2_5OmniProcessor`` compute). Audio longer than 30 s is
cut there, as the feature extractor does.

The feature extractor (``WhisperFeatureExtractor``, numpy only) is read from the checkpoint's
``preprocessor_config.json`` (``MediaOptions.processor_dir``), else built with the families'
published settings. Qwen2.5-Omni's images and videos reuse Qwen2.5-VL's processing
(:mod:`swiftkit.plugins.templates.media.qwen_vl`).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaProcessor
from swiftkit.plugins.templates.media.qwen_vl import Qwen2_5VLMediaProcessor

__all__ = ["Qwen2AudioMedia", "QwenOmniMedia", "audio_output_lengths", "whisper_feature_extractor"]

#: the published feature extractor of both families (preprocessor_config.json)
WHISPER_SETTINGS: dict[str, Any] = {
    "feature_size": 128, "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30, "n_fft": 400,
    "padding_value": 0.0, "return_attention_mask": True,
}


def audio_output_lengths(frames: Any) -> Any:
    """Embeddings the audio encoder makes of ``frames`` real mel frames (int or tensor)."""
    after_conv = (frames - 1) // 2 + 1
    return (after_conv - 2) // 2 + 1


def whisper_feature_extractor(processor_dir: str | None) -> Any:
    """``WhisperFeatureExtractor`` from ``processor_dir``'s ``preprocessor_config.json`` when it
    has one, else with :data:`WHISPER_SETTINGS`."""
    from transformers import WhisperFeatureExtractor

    if processor_dir and os.path.isfile(os.path.join(processor_dir, "preprocessor_config.json")):
        return WhisperFeatureExtractor.from_pretrained(processor_dir)
    return WhisperFeatureExtractor(**WHISPER_SETTINGS)


class _AudioFeatures(MediaProcessor):
    """The audio half shared by both families."""

    sampling_rate: ClassVar[int] = 16000
    AUDIO_BOS: ClassVar[str] = "<|audio_bos|>"
    AUDIO_PAD: ClassVar[str] = "<|AUDIO|>"
    AUDIO_EOS: ClassVar[str] = "<|audio_eos|>"

    _feature_extractor: Any = None

    @property
    def feature_extractor(self) -> Any:
        if self._feature_extractor is None:
            self._feature_extractor = whisper_feature_extractor(self.options.processor_dir)
        return self._feature_extractor

    def audio_inputs(self, media: Media) -> dict[str, Any]:
        """``input_features`` (n, mel bins, frames) and ``feature_attention_mask`` (n, frames) of
        the conversation's audios; audio decoded at another rate (``--sampling_rate``) is
        resampled to the feature extractor's first."""
        if not media.audios:
            return {}
        fe = self.feature_extractor
        audios = list(media.audios)
        rate = media.sampling_rate or fe.sampling_rate
        if rate != fe.sampling_rate:
            from swiftkit.data.audio import resample

            audios = [resample(a, rate, fe.sampling_rate) for a in audios]
        out = fe(audios, sampling_rate=fe.sampling_rate, return_attention_mask=True, padding="max_length",
                 return_tensors="pt")
        return {"input_features": out["input_features"], "feature_attention_mask": out["attention_mask"]}

    def audio_tokens(self, index: int, inputs: dict[str, Any]) -> int:
        """Pad tokens of the ``index``-th audio; an audio too short to give the encoder an
        output (under ~0.03 s) is refused, naming it."""
        frames = int(inputs["feature_attention_mask"][index].sum())
        count = int(audio_output_lengths(frames))
        if count < 1:
            raise ValueError(f"audios[{index}] is too short: {frames} feature frame(s) "
                             f"({frames * 10} ms) give the audio encoder nothing to embed")
        return count

    def audio_pads(self, index: int, inputs: dict[str, Any]) -> str:
        return self.AUDIO_BOS + self.AUDIO_PAD * self.audio_tokens(index, inputs) + self.AUDIO_EOS


class Qwen2AudioMedia(_AudioFeatures):
    """Qwen2-Audio: each audio is written ``Audio k: <|audio_bos|><|AUDIO|><|audio_eos|>\\n`` (``k``
    counted over the conversation, as its chat template does), the pad repeated per embedding."""

    kinds: ClassVar[tuple[str, ...]] = ("audio",)

    def placeholder(self, kind: str) -> str:
        return self.AUDIO_BOS + self.AUDIO_PAD + self.AUDIO_EOS

    def content_part(self, kind: str, index: int) -> str:
        """The text the chat template writes for the ``index``-th audio content part."""
        return f"Audio {index + 1}: {self.placeholder(kind)}\n"

    def process(self, media: Media) -> dict[str, Any]:
        return self.audio_inputs(media)

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        return f"Audio {index + 1}: {self.audio_pads(index, inputs)}\n"


class QwenOmniMedia(_AudioFeatures, Qwen2_5VLMediaProcessor):
    """Qwen2.5-Omni's thinker: ``<|audio_bos|><|AUDIO|><|audio_eos|>`` per audio, images
    ``<|vision_bos|><|IMAGE|><|vision_eos|>`` and videos ``<|vision_bos|><|VIDEO|><|vision_eos|>``
    through Qwen2.5-VL's processing (14 px patches, 2x2 merge; the image pixel budget of the
    Omni checkpoints' preprocessor_config.json). Videos give ``video_second_per_grid`` (the
    Omni name of Qwen2.5-VL's ``second_per_grid_ts``); the model computes its M-RoPE positions from
    the token ids itself, so no ``mm_token_type_ids`` are added.

    Audio inside a video (``use_audio_in_video``) is not supported: a video's sound track is
    ignored; give it as an ``<audio>`` of its own.
    """

    kinds: ClassVar[tuple[str, ...]] = ("image", "video", "audio")
    VISION_START: ClassVar[str] = "<|vision_bos|>"
    VISION_END: ClassVar[str] = "<|vision_eos|>"
    PAD: ClassVar[dict[str, str]] = {"image": "<|IMAGE|>", "video": "<|VIDEO|>"}
    DEFAULTS: ClassVar[dict[str, Any]] = {
        **Qwen2_5VLMediaProcessor.DEFAULTS, "min_pixels": 3136, "max_pixels": 12845056,
    }

    def placeholder(self, kind: str) -> str:
        if kind == "audio":
            return self.AUDIO_BOS + self.AUDIO_PAD + self.AUDIO_EOS
        return super().placeholder(kind)

    def content_part(self, kind: str, index: int) -> str:
        """The text the chat template writes for a content part (without its ``add_audio_id`` /
        ``add_vision_id`` numbering, off by default)."""
        return self.placeholder(kind)

    def process(self, media: Media) -> dict[str, Any]:
        out = super().process(media)  # images and videos
        if "second_per_grid_ts" in out:
            out["video_second_per_grid"] = out.pop("second_per_grid_ts")
        out.update(self.audio_inputs(media))
        return out

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        if kind == "audio":
            return self.audio_pads(index, inputs)
        return super().expand(kind, index, inputs)

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        """Each tensor concatenated along dim 0 (the thinker finds its media tokens by id)."""
        return MediaProcessor.collate(self, rows, input_ids)
