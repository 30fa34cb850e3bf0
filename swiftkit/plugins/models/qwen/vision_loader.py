"""Loaders of the Qwen vision-language families (imported only when one is loaded or built).

Qwen2-VL, Qwen2.5-VL, Qwen3-VL and Qwen3-VL-MoE load with ``AutoModelForImageTextToText`` and
share a tiny shape: a one-block vision tower (width 32, 2 heads) whose merger projects into a
language model of hidden 64 / 2 layers / head_dim 16, with multimodal RoPE split ``[2, 3, 3]``
over the 8 rotary frequencies. ``save_extras`` writes the ``preprocessor_config.json`` the
family's media processor (:mod:`swiftkit.plugins.templates.media.qwen_vl`) reads back, with a
small pixel budget so that tiny models see few patches.
"""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader

#: the rotary split of a head_dim 16 text model over (temporal, height, width): 2 + 3 + 3 = 16 / 2
_MROPE = {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 10000.0}
#: the images of a tiny model: at least one 2x2 merge window, at most 8x8 patches of 14 pixels
TINY_MIN_PIXELS = 28 * 28
TINY_MAX_PIXELS = 112 * 112

#: Qwen-VL's image normalisation (CLIP's mean/std); Qwen3-VL uses 0.5 / 0.5
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


class Qwen2VLLoader(HFVisionLoader):
    """Qwen2-VL: the vision config's ``hidden_size`` is the merger's output, so it must equal the
    language model's hidden size (otherwise transformers fails with a misleading "features and
    tokens do not match")."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"rope_parameters": _MROPE, "head_dim": 16}
    TINY_VISION: ClassVar[dict[str, Any]] = {"depth": 1, "embed_dim": 32, "num_heads": 2, "hidden_size": 64}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {
        "image_token_id": "<|image_pad|>",
        "video_token_id": "<|video_pad|>",
        "vision_start_token_id": "<|vision_start|>",
        "vision_end_token_id": "<|vision_end|>",
    }
    #: what the checkpoint's preprocessor_config.json says (besides the pixel budget)
    PATCH_SIZE: ClassVar[int] = 14
    IMAGE_MEAN: ClassVar[list[float]] = CLIP_MEAN
    IMAGE_STD: ClassVar[list[float]] = CLIP_STD
    IMAGE_PROCESSOR: ClassVar[str] = "Qwen2VLImageProcessor"

    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        config = super().tiny_config(vocab_size, **overrides)
        text = config.text_config
        # bos defaults to 151643, outside a tiny vocabulary: transformers refuses the config then
        if getattr(text, "bos_token_id", None) is not None and text.bos_token_id >= vocab_size:
            text.bos_token_id = None
        # the composite config keeps the special ids on the text config only; the tiny builder
        # (and generation) read them at the top level too
        for key in ("bos_token_id", "eos_token_id", "pad_token_id"):
            if not hasattr(config, key) or getattr(config, key) != getattr(text, key, None):
                setattr(config, key, getattr(text, key, None))
        return config

    def preprocessor_config(self, config: Any) -> dict[str, Any]:
        """The tiny checkpoint's ``preprocessor_config.json`` (the real checkpoints' keys)."""
        vision = config.vision_config
        patch = getattr(vision, "patch_size", self.PATCH_SIZE)
        merge = getattr(vision, "spatial_merge_size", 2)
        return {
            "image_processor_type": self.IMAGE_PROCESSOR,
            "do_resize": True, "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
            "do_convert_rgb": True, "resample": 3,
            "image_mean": list(self.IMAGE_MEAN), "image_std": list(self.IMAGE_STD),
            "patch_size": patch, "merge_size": merge,
            "temporal_patch_size": getattr(vision, "temporal_patch_size", 2),
            "min_pixels": TINY_MIN_PIXELS if patch == 14 else (2 * patch) ** 2,
            "max_pixels": TINY_MAX_PIXELS if patch == 14 else (8 * patch) ** 2,
            "size": {"shortest_edge": TINY_MIN_PIXELS if patch == 14 else (2 * patch) ** 2,
                     "longest_edge": TINY_MAX_PIXELS if patch == 14 else (8 * patch) ** 2},
        }

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        with open(os.path.join(out_dir, "preprocessor_config.json"), "w", encoding="utf-8") as f:
            json.dump(self.preprocessor_config(config), f, indent=2)


class Qwen2_5VLLoader(Qwen2VLLoader):
    """Qwen2.5-VL: windowed attention in the vision tower (``fullatt_block_indexes``), the merger's
    output is ``out_hidden_size``."""

    TINY_VISION: ClassVar[dict[str, Any]] = {
        "depth": 1, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "out_hidden_size": 64,
        "fullatt_block_indexes": [0], "window_size": 56,
    }


class Qwen3VLLoader(Qwen2VLLoader):
    """Qwen3-VL: 16-pixel patches, learned position embeddings, DeepStack features taken from
    vision blocks (``deepstack_visual_indexes``), Qwen3 text (q/k norm, explicit head_dim)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "rope_parameters": {**_MROPE, "mrope_interleaved": True},
    }
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "depth": 1, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "out_hidden_size": 64,
        "patch_size": 16, "num_position_embeddings": 64, "deepstack_visual_indexes": [0],
    }
    PATCH_SIZE: ClassVar[int] = 16
    IMAGE_MEAN: ClassVar[list[float]] = [0.5, 0.5, 0.5]
    IMAGE_STD: ClassVar[list[float]] = [0.5, 0.5, 0.5]


class Qwen3VLMoeLoader(Qwen3VLLoader):
    """Qwen3-VL-MoE: Qwen3-VL with a sparse language model (4 experts, 2 active, at tiny size)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "decoder_sparse_step": 1,
    }
