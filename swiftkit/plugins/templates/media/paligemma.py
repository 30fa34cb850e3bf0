"""The media processor of PaliGemma / PaliGemma 2: each image resized to the SigLIP tower's square
input (``SiglipImageProcessorPil``, 224 / 448 / 896) and written as ``image_seq_length``
``<image>`` tokens; the last image is followed by ``<bos>``, as ``PaliGemmaProcessor`` lays out
``<image> x N <bos> prefix \\n``. A row's tags therefore open its first message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaProcessor
from swiftkit.plugins.templates.media._common import image_processor_kwargs, read_json

__all__ = ["PaliGemmaProcessor"]

_SIGLIP = {"size": {"height": 224, "width": 224}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
           "resample": 3}


class PaliGemmaProcessor(MediaProcessor):
    kinds: ClassVar[tuple[str, ...]] = ("image",)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_images"}

    def placeholder(self, kind: str) -> str:
        return "<image>"

    def image_processor(self) -> Any:
        if self.__dict__.get("_images") is None:
            from transformers import SiglipImageProcessorPil

            kwargs = image_processor_kwargs(self.options.processor_dir, _SIGLIP)
            kwargs.pop("image_seq_length", None)
            self._images = SiglipImageProcessorPil(**kwargs)
        return self._images

    def image_seq_length(self) -> int:
        """Tokens per image: ``image_seq_length`` of the checkpoint's preprocessor config (256 at
        224 px: (224/14)^2)."""
        config = read_json(self.options.processor_dir, "preprocessor_config.json")
        if "image_seq_length" in config:
            return int(config["image_seq_length"])
        return (self.image_processor().size["height"] // 14) ** 2

    def process(self, media: Media) -> dict[str, Any]:
        if not media.images:
            return {}
        out = self.image_processor()([img.convert("RGB") for img in media.images], return_tensors="pt")
        return {"pixel_values": out["pixel_values"]}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        last = index == len(inputs["pixel_values"]) - 1
        bos = getattr(self.tokenizer, "bos_token", None) or "<bos>"
        return "<image>" * self.image_seq_length() + (bos if last else "")
