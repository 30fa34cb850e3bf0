"""The Gemma 3 vision loader (imported only when such a model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class Gemma3VisionLoader(HFVisionLoader):
    """``Gemma3ForConditionalGeneration``: a SigLIP tower, an average-pooling projector to
    ``mm_tokens_per_image`` soft tokens, and the Gemma 3 text model (one sliding, one global layer
    at tiny size, as :class:`~swiftkit.plugins.models.gemma.loader.Gemma3TextLoader`)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16, "query_pre_attn_scalar": 16,
        "layer_types": ["sliding_attention", "full_attention"], "sliding_window": 64,
    }
    # 32 px images in 8 px patches: 16 patches pooled 2x2 into 4 soft tokens
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
        "image_size": 32, "patch_size": 8,
    }
    TINY_TOP: ClassVar[dict[str, Any]] = {"mm_tokens_per_image": 4}
    TOKEN_KEYS: ClassVar[dict[str, str]] = {
        "image_token_index": "<image_soft_token>", "boi_token_index": "<start_of_image>",
        "eoi_token_index": "<end_of_image>",
    }

    def model_from_config(self, config: Any) -> Any:
        """transformers initialises the projector's weight to zeros (a checkpoint overwrites it): a
        random tiny model gets random values instead, so that its images reach the text before any
        training, as a pretrained checkpoint's do."""
        import torch

        model = super().model_from_config(config)
        with torch.no_grad():
            model.model.multi_modal_projector.mm_input_projection_weight.normal_(std=config.initializer_range)
        return model

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        from transformers import Gemma3ImageProcessorPil

        side = config.vision_config.image_size
        Gemma3ImageProcessorPil(size={"height": side, "width": side}, image_mean=[0.5] * 3,
                                image_std=[0.5] * 3).save_pretrained(out_dir)
        with open(os.path.join(out_dir, "processor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": "Gemma3Processor", "image_seq_length": config.mm_tokens_per_image}, f, indent=2)
