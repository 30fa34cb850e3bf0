"""Llama 3.2 Vision (Mllama): images are read by cross-attention layers, not spliced into the
sequence. Each image stays one ``<|image|>`` token; the model gets the image split into up to
four tiles (``pixel_values``: rows x images x tiles x 3 x H x W), the tiling's aspect-ratio ids and
masks, and a ``cross_attention_mask`` saying which text tokens see which image's tiles (every
token from an image's ``<|image|>`` on, until the next image's), built in :meth:`collate` from the
batch's padded ids exactly as transformers' ``MllamaProcessor`` builds it.

A conversation with images has no system turn (the real chat template renders the Llama 3.1
system header only for text-only conversations): see :class:`Llama32VisionTemplate`.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia
from swiftkit.templates.base import FormatTemplate

IMAGE = "<|image|>"


class MllamaMedia(HFImageMedia):
    kinds = ("image",)
    IMAGE_PROCESSOR: ClassVar[str] = "MllamaImageProcessorPil"
    # meta-llama/Llama-3.2-11B-Vision-Instruct's preprocessor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"height": 560, "width": 560}, "max_image_tiles": 4, "resample": 2,
        "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    }

    def placeholder(self, kind: str) -> str:
        return IMAGE

    def process(self, media: Media) -> dict[str, Any]:
        import torch

        out = self.image_processor()([self.images(media)], return_tensors="pt")
        return {"pixel_values": out["pixel_values"][0], "aspect_ratio_ids": out["aspect_ratio_ids"][0],
                "aspect_ratio_mask": out["aspect_ratio_mask"][0],
                "num_tiles": torch.tensor(out["num_tiles"][0], dtype=torch.long)}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        return IMAGE  # one token per image: the pixels reach the text through cross-attention

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        import torch
        from transformers.models.mllama.processing_mllama import (
            convert_sparse_cross_attention_mask_to_dense,
            get_cross_attention_token_mask,
        )

        counts = [len(r["num_tiles"]) if r.get("num_tiles") is not None else 0 for r in rows]
        if not any(counts):
            return {}
        most = max(counts)
        first = next(r for r in rows if r.get("num_tiles") is not None)
        tiles = first["pixel_values"].shape[1]
        pixel_values = first["pixel_values"].new_zeros((len(rows), most, *first["pixel_values"].shape[1:]))
        ratio_ids = torch.zeros((len(rows), most), dtype=torch.long)
        ratio_mask = torch.zeros((len(rows), most, tiles), dtype=torch.long)
        for i, (row, n) in enumerate(zip(rows, counts, strict=True)):
            if n:
                pixel_values[i, :n] = row["pixel_values"]
                ratio_ids[i, :n] = row["aspect_ratio_ids"]
                ratio_mask[i, :n] = row["aspect_ratio_mask"]
        token_masks = [get_cross_attention_token_mask(ids, self.token_id(IMAGE)) for ids in input_ids.tolist()]
        num_tiles = [r["num_tiles"].tolist() if n else [] for r, n in zip(rows, counts, strict=True)]
        dense = convert_sparse_cross_attention_mask_to_dense(token_masks, num_tiles=num_tiles, max_num_tiles=tiles,
                                                             length=input_ids.shape[1])
        return {"pixel_values": pixel_values, "aspect_ratio_ids": ratio_ids, "aspect_ratio_mask": ratio_mask,
                "cross_attention_mask": torch.from_numpy(dense)}


class Llama32VisionTemplate(FormatTemplate):
    """The Llama 3.1 turns, but a conversation with an image and no system message has no system
    turn at all, as the real template renders it (with a system message it keeps it: the real
    template refuses that combination; ms-swift renders it)."""

    def _segments(self, messages: Any, add_generation_prompt: bool, loss_scale: str | None) -> list[tuple[str, bool]]:
        has_image = any(IMAGE in str(m.get("content", "")) for m in messages)
        if has_image and (not messages or messages[0].get("role") != "system"):
            plain = copy.copy(self)
            plain.spec = replace(self.spec, default_system=None)
            return FormatTemplate._segments(plain, messages, add_generation_prompt, loss_scale)
        return super()._segments(messages, add_generation_prompt, loss_scale)
