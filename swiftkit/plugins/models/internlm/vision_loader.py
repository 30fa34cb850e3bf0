"""The InternVL (transformers port) loader (imported only when such a model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class InternVLLoader(HFVisionLoader):
    """``InternVLForConditionalGeneration``: at tiny size a one-layer InternViT on 56 px tiles of
    14 px patches, pixel-shuffled to 4 tokens per tile, and a Qwen2 language model (the smallest
    published checkpoints' text model)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"model_type": "qwen2"}
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
        "image_size": [56, 56], "patch_size": [14, 14],
    }
    TINY_TOP: ClassVar[dict[str, Any]] = {"image_seq_length": 4, "downsample_ratio": 0.5}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_id": "<IMG_CONTEXT>"}

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        from transformers import GotOcr2ImageProcessorPil

        side = config.vision_config.image_size[0]
        GotOcr2ImageProcessorPil(size={"height": side, "width": side}, image_mean=[0.485, 0.456, 0.406],
                                 image_std=[0.229, 0.224, 0.225], crop_to_patches=True,
                                 max_patches=4).save_pretrained(out_dir)
        with open(os.path.join(out_dir, "processor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": "InternVLProcessor", "image_seq_length": config.image_seq_length}, f, indent=2)
