"""Loaders of the LLaVA families (imported only when a LLaVA model is loaded or built).

The tiny models are the real architectures at toy size: a 2-layer CLIP (SigLIP for OneVision)
tower over 28 x 28 pixels in 14-pixel patches (4 patches), the MLP projector, and the family's
language model (Llama, Mistral, Qwen2) at the shared tiny text size. :meth:`save_extras` writes the
matching ``preprocessor_config.json`` and ``processor_config.json``, which the family's media
processor reads back (``MediaOptions.processor_dir``).
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader

_TINY_SIDE = 28
_CLIP_TINY = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
              "image_size": _TINY_SIDE, "patch_size": 14, "projection_dim": 32}
_PINPOINTS = [[28, 56], [56, 28], [56, 56]]
_CLIP_PIXELS = {"image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}


def _write_json(out_dir: str, name: str, data: dict[str, Any]) -> None:
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)


class LlavaLoader(HFVisionLoader):
    """LLaVA-1.5 (``llava``): CLIP tower, ``image_token_index`` = ``<image>``."""

    TINY_VISION: ClassVar[dict[str, Any]] = {**_CLIP_TINY, "model_type": "clip_vision_model"}
    TINY_TOP: ClassVar[dict[str, Any]] = {"image_seq_length": 4}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_index": "<image>"}
    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"model_type": "llama"}
    #: the image processor class and its settings at tiny size
    IMAGE_PROCESSOR: ClassVar[str] = "CLIPImageProcessor"
    TINY_PIXELS: ClassVar[dict[str, Any]] = {
        "size": {"shortest_edge": _TINY_SIDE}, "crop_size": {"height": _TINY_SIDE, "width": _TINY_SIDE},
        "do_center_crop": True, **_CLIP_PIXELS}
    PROCESSOR_CLASS: ClassVar[str] = "LlavaProcessor"
    TINY_PROCESSOR: ClassVar[dict[str, Any]] = {
        "patch_size": 14, "vision_feature_select_strategy": "default", "num_additional_image_tokens": 1}

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        _write_json(out_dir, "preprocessor_config.json", {
            "image_processor_type": self.IMAGE_PROCESSOR, "processor_class": self.PROCESSOR_CLASS, **self.TINY_PIXELS})
        _write_json(out_dir, "processor_config.json", {"processor_class": self.PROCESSOR_CLASS, **self.TINY_PROCESSOR})


class LlavaLlama3Loader(LlavaLoader):
    """LLaVA-1.5 architecture on Llama 3 (xtuner, swift)."""


class LlavaNextLoader(LlavaLoader):
    """LLaVA-NeXT (``llava_next``): anyres tiling over ``image_grid_pinpoints`` (tiny: 28 / 56 px)."""

    TINY_TOP = {"image_grid_pinpoints": _PINPOINTS, "image_seq_length": 4}
    IMAGE_PROCESSOR = "LlavaNextImageProcessor"
    TINY_PIXELS = {**LlavaLoader.TINY_PIXELS, "image_grid_pinpoints": _PINPOINTS}
    PROCESSOR_CLASS = "LlavaNextProcessor"


class LlavaNextMistralLoader(LlavaNextLoader):
    TINY_OVERRIDES = {"model_type": "mistral", "sliding_window": None}


class LlavaNextLlama3Loader(LlavaNextLoader):
    TINY_OVERRIDES = {"model_type": "llama"}


class LlavaNextQwenLoader(LlavaNextLoader):
    TINY_OVERRIDES = {"model_type": "qwen2"}


class LlavaNextVideoLoader(LlavaNextLoader):
    """LLaVA-NeXT-Video: NeXT plus ``video_token_index`` = ``<video>``, frames pooled 2 x 2."""

    TOKEN_KEYS = {"image_token_index": "<image>", "video_token_index": "<video>"}
    TINY_TOP = {**LlavaNextLoader.TINY_TOP, "video_seq_length": 1}
    PROCESSOR_CLASS = "LlavaNextVideoProcessor"


class LlavaOnevisionLoader(LlavaLoader):
    """LLaVA-OneVision: SigLIP tower (no CLS token), Qwen2 language model, anyres_max_9."""

    TINY_VISION = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                   "image_size": _TINY_SIDE, "patch_size": 14, "model_type": "siglip_vision_model"}
    TINY_TOP = {"image_grid_pinpoints": [[28, 28], [28, 56], [56, 28], [56, 56]], "vision_feature_layer": -1,
                "vision_feature_select_strategy": "full"}
    TOKEN_KEYS = {"image_token_index": "<image>", "video_token_index": "<video>"}
    TINY_OVERRIDES = {"model_type": "qwen2"}
    IMAGE_PROCESSOR = "LlavaOnevisionImageProcessor"
    TINY_PIXELS = {"size": {"height": _TINY_SIDE, "width": _TINY_SIDE},
                   "image_grid_pinpoints": [[28, 28], [28, 56], [56, 28], [56, 56]],
                   "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    PROCESSOR_CLASS = "LlavaOnevisionProcessor"
    TINY_PROCESSOR = {"num_image_tokens": 4, "vision_feature_select_strategy": "full",
                      "vision_aspect_ratio": "anyres_max_9"}
