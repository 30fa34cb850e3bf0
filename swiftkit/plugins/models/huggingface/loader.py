"""Loaders of the Hugging Face (M4) families: Idefics3 (imported only when such a model is loaded
or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class Idefics3Loader(HFVisionLoader):
    """Idefics3: a 1-layer SigLIP-style tower over 28 x 28 crops (4 patches, 1 token after the
    2 x 2 pixel shuffle), the connector, a tiny Llama. :meth:`save_extras` writes the image
    processor settings (crops of 28, images up to 112) and ``image_seq_len``."""

    TINY_VISION: ClassVar[dict[str, Any]] = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                                             "num_attention_heads": 2, "image_size": 28, "patch_size": 14}
    TINY_TOP: ClassVar[dict[str, Any]] = {"scale_factor": 2}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_id": "<image>"}
    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"model_type": "llama"}

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        pixels = {"image_processor_type": "Idefics3ImageProcessor", "processor_class": "Idefics3Processor",
                  "size": {"longest_edge": 112}, "max_image_size": {"longest_edge": 28}, "do_image_splitting": True,
                  "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
        vision = config.vision_config
        seq_len = int((vision.image_size // vision.patch_size) ** 2 / config.scale_factor ** 2)
        for name, data in (("preprocessor_config.json", pixels),
                           ("processor_config.json", {"processor_class": "Idefics3Processor", "image_seq_len": seq_len})):
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2)
