"""Mistral 3 (Mistral-Small 3.1/3.2, Ministral 3) and Pixtral: a Pixtral vision encoder reads each
image at its own aspect ratio (longest edge 1540 px / 1024 px, a multiple of the token size).

The chat templates write ``[IMG]`` for an image content part; the processor expands it into one
row per ``token``-pixel strip: ``[IMG]`` x columns then ``[IMG_BREAK]``, the last row ending in
``[IMG_END]`` instead, where a token covers ``patch_size * spatial_merge_size`` pixels (14 x 2 for
Mistral 3, 16 x 1 for Pixtral). Images of one batch are padded to the largest; the model crops
them back with ``image_sizes``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia

IMG, BREAK, END = "[IMG]", "[IMG_BREAK]", "[IMG_END]"


class Mistral3Media(HFImageMedia):
    kinds = ("image",)
    IMAGE_PROCESSOR: ClassVar[str] = "PixtralImageProcessorPil"
    # mistralai/Mistral-Small-3.1-24B-Instruct-2503's preprocessor_config.json / processor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"longest_edge": 1540}, "patch_size": {"height": 14, "width": 14},
        "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    }
    PATCH_SIZE: ClassVar[int] = 14
    SPATIAL_MERGE_SIZE: ClassVar[int] = 2

    def placeholder(self, kind: str) -> str:
        return IMG

    def token_pixels(self) -> int:
        """Pixels per side of one image token (``patch_size * spatial_merge_size``)."""
        config = self.processor_config()
        return int(config.get("patch_size", self.PATCH_SIZE)) * int(config.get("spatial_merge_size",
                                                                               self.SPATIAL_MERGE_SIZE))

    def process(self, media: Media) -> dict[str, Any]:
        token = self.token_pixels()
        processor = self.image_processor()
        kwargs: dict[str, Any] = {"patch_size": {"height": token, "width": token}}
        if self.options.max_pixels:  # MAX_PIXELS: the longest edge of a square of that area
            kwargs["size"] = {"longest_edge": max(token, int(self.options.max_pixels ** 0.5))}
        out = processor(self.images(media), return_tensors="pt", **kwargs)
        return {"pixel_values": out["pixel_values"], "image_sizes": out["image_sizes"]}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        token = self.token_pixels()
        height, width = (int(v) for v in inputs["image_sizes"][index])
        rows = [IMG * (width // token) + BREAK] * (height // token)
        text = "".join(rows)
        return text[: -len(BREAK)] + END

    def media_token_ids(self) -> set[int]:
        return {self.token_id(IMG), self.token_id(BREAK), self.token_id(END)}

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        import torch

        pixels = [r["pixel_values"] for r in rows if r.get("pixel_values") is not None]
        if not pixels:
            return {}
        height = max(p.shape[-2] for p in pixels)
        width = max(p.shape[-1] for p in pixels)
        padded = [torch.nn.functional.pad(p, (0, width - p.shape[-1], 0, height - p.shape[-2])) for p in pixels]
        return {"pixel_values": torch.cat(padded), "image_sizes": torch.cat([r["image_sizes"] for r in rows
                                                                             if r.get("image_sizes") is not None])}


class PixtralMedia(Mistral3Media):
    # mistral-community/pixtral-12b's preprocessor_config.json / processor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {**Mistral3Media.DEFAULTS, "size": {"longest_edge": 1024},
                                          "patch_size": {"height": 16, "width": 16}}
    PATCH_SIZE: ClassVar[int] = 16
    SPATIAL_MERGE_SIZE: ClassVar[int] = 1
