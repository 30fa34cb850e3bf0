"""Loaders of the Mistral vision families (imported only when such a model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class Mistral3Loader(HFVisionLoader):
    """``Mistral3ForConditionalGeneration``: a Pixtral vision encoder (2-D RoPE over patches of any
    aspect ratio), a projector that merges 2x2 patches, and the Mistral language model. At tiny
    size: 8 px patches, merged to 16 px image tokens, 64 px longest edge."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"sliding_window": None}
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
        "head_dim": 16, "image_size": 64, "patch_size": 8,
    }
    TINY_TOP: ClassVar[dict[str, Any]] = {"spatial_merge_size": 2, "vision_feature_layer": -1}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_index": "[IMG]"}
    #: the processor's ``spatial_merge_size`` (the projector's for Mistral 3; none for Pixtral)
    MERGE: ClassVar[int] = 2
    PROCESSOR_CLASS: ClassVar[str] = "PixtralProcessor"

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        from transformers import PixtralImageProcessorPil

        patch = config.vision_config.patch_size
        token = patch * self.MERGE
        PixtralImageProcessorPil(size={"longest_edge": config.vision_config.image_size},
                                 patch_size={"height": token, "width": token}).save_pretrained(out_dir)
        with open(os.path.join(out_dir, "processor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": self.PROCESSOR_CLASS, "patch_size": patch,
                       "spatial_merge_size": self.MERGE, "image_token": "[IMG]",
                       "image_break_token": "[IMG_BREAK]", "image_end_token": "[IMG_END]"}, f, indent=2)


class PixtralLoader(Mistral3Loader):
    """Pixtral-12B as transformers ports it: ``LlavaForConditionalGeneration`` (``model_type:
    llava``) with a Pixtral vision config, a Mistral text config and no patch merging."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"model_type": "mistral"}
    TINY_VISION: ClassVar[dict[str, Any]] = {**Mistral3Loader.TINY_VISION, "model_type": "pixtral"}
    TINY_TOP: ClassVar[dict[str, Any]] = {"vision_feature_select_strategy": "full", "vision_feature_layer": -1,
                                          "projector_hidden_act": "gelu"}
    MERGE: ClassVar[int] = 1
