"""The PaliGemma loader (imported only when a PaliGemma model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class PaliGemmaLoader(HFVisionLoader):
    """PaliGemma: a 1-layer SigLIP tower over 28 x 28 images (4 image tokens), the linear
    projector to the text size, a tiny Gemma (``head_dim`` set as Gemma sets it).
    :meth:`save_extras` writes the SigLIP image processor settings with ``image_seq_length``."""

    TINY_VISION: ClassVar[dict[str, Any]] = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                                             "num_attention_heads": 2, "image_size": 28, "patch_size": 14,
                                             "projection_dim": 64}
    TINY_TOP: ClassVar[dict[str, Any]] = {"projection_dim": 64, "hidden_size": 64}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_index": "<image>"}
    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"model_type": "gemma", "head_dim": 16}

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        vision = config.vision_config
        pixels = {"image_processor_type": "SiglipImageProcessor", "processor_class": "PaliGemmaProcessor",
                  "size": {"height": vision.image_size, "width": vision.image_size}, "resample": 3,
                  "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
                  "image_seq_length": (vision.image_size // vision.patch_size) ** 2}
        with open(os.path.join(out_dir, "preprocessor_config.json"), "w", encoding="utf-8") as fh:
            json.dump(pixels, fh, indent=2)
