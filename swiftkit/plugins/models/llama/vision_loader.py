"""The Llama 3.2 Vision (Mllama) loader (imported only when such a model is loaded or built)."""

from __future__ import annotations

import json
import os
from typing import Any, ClassVar

from swiftkit.models.vision import HFVisionLoader


class MllamaLoader(HFVisionLoader):
    """``MllamaForConditionalGeneration``: a tiled ViT (local + global layers, intermediate layer
    features concatenated) whose output the language model reads through interleaved
    cross-attention layers. At tiny size: two text layers, the second a cross-attention layer; a
    two-layer vision tower (one global) on 28 px tiles, up to four tiles per image."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"cross_attention_layers": [1], "rope_parameters": {
        "rope_type": "default", "rope_theta": 10000.0}}
    TINY_VISION: ClassVar[dict[str, Any]] = {
        "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_global_layers": 1,
        "attention_heads": 2, "image_size": 28, "patch_size": 14, "max_num_tiles": 4,
        "intermediate_layers_indices": [0], "vision_output_dim": 64,
    }
    TOKEN_KEYS: ClassVar[dict[str, str]] = {"image_token_index": "<|image|>"}

    def model_from_config(self, config: Any) -> Any:
        """transformers initialises the cross-attention gates (and the tile-embedding gates) to
        zero, which a checkpoint overwrites: a random tiny model gets open gates instead, so that
        its images reach the text before any training, as a pretrained checkpoint's do."""
        import torch

        model = super().model_from_config(config)
        with torch.no_grad():
            for name, param in model.named_parameters():
                if name.endswith(("cross_attn_attn_gate", "cross_attn_mlp_gate", ".gate")):
                    param.fill_(0.5)
        return model

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:
        from transformers import MllamaImageProcessorPil

        side = config.vision_config.image_size
        MllamaImageProcessorPil(size={"height": side, "width": side},
                                max_image_tiles=config.vision_config.max_num_tiles).save_pretrained(out_dir)
        with open(os.path.join(out_dir, "processor_config.json"), "w", encoding="utf-8") as f:
            json.dump({"processor_class": "MllamaProcessor"}, f, indent=2)
