"""Loaders of the GLM-4V families (imported only when such a model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader

#: GLM's 3-D RoPE over half of each head (partial_rotary_factor 0.5): 8 of 16 dims at tiny size,
#: split 2 (time) + 1 + 1 (height, width) pairs as the real 8 + 12 + 12 of 64
_ROPE = {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 1, 1], "partial_rotary_factor": 0.5}


class Glm4vLoader(HFVisionLoader):
    """``Glm4vForConditionalGeneration``: a ViT over 14 px patches of any image size, 2x2 patch
    merging to the text width, and the GLM-4 language model with 3-D RoPE. At tiny size: one
    vision block, images of 28-56 px."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"rope_parameters": _ROPE}
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "depth": 1, "hidden_size": 32, "num_heads": 2, "intermediate_size": 64, "out_hidden_size": 64,
        "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2, "image_size": 56,
    }
    TOKEN_KEYS: ClassVar[dict[str, str]] = {
        "image_token_id": "<|image|>", "video_token_id": "<|video|>", "image_start_token_id": "<|begin_of_image|>",
        "image_end_token_id": "<|end_of_image|>", "video_start_token_id": "<|begin_of_video|>",
        "video_end_token_id": "<|end_of_video|>",
    }

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        from transformers import Glm4vImageProcessorPil

        vision = config.vision_config
        Glm4vImageProcessorPil(size={"shortest_edge": 28 * 28, "longest_edge": 56 * 56},
                               patch_size=vision.patch_size, temporal_patch_size=vision.temporal_patch_size,
                               merge_size=vision.spatial_merge_size).save_pretrained(out_dir)
        with open(os.path.join(out_dir, "processor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": "Glm4vProcessor"}, f, indent=2)
        # the same budget as the images (GLM counts it over a temporal patch of two frames)
        with open(os.path.join(out_dir, "video_preprocessor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"video_processor_type": "Glm4vVideoProcessor",
                       "size": {"shortest_edge": 28 * 28, "longest_edge": 56 * 56},
                       "patch_size": vision.patch_size, "temporal_patch_size": vision.temporal_patch_size,
                       "merge_size": vision.spatial_merge_size}, f, indent=2)


class Glm4vMoeLoader(Glm4vLoader):
    """``Glm4vMoeForConditionalGeneration``: the same vision side, a GLM-4.5 MoE language model
    (one dense layer, then routed + shared experts); four tiny experts, two per token."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "n_routed_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "n_shared_experts": 1,
        "first_k_dense_replace": 1, "head_dim": 16,
    }
