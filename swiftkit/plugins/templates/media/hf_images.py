"""What the built-in image families' media processors share: transformers' PIL image processors
(no torchvision), configured from the checkpoint folder's ``preprocessor_config.json`` when the
run names one (``MediaOptions.processor_dir``), else from the family's published defaults.

Heavy imports (transformers, torch) happen inside methods; a processor keeps only its lazily
built image processor, so it stays picklable for the data pipeline's workers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaProcessor
from swiftkit.plugins.templates.media._common import read_json

__all__ = ["HFImageMedia", "read_json", "scaled_size"]


def scaled_size(height: int, width: int, max_pixels: int | None, min_pixels: int | None) -> tuple[int, int]:
    """``(height, width)`` scaled, keeping the aspect ratio, into ``[min_pixels, max_pixels]``."""
    area = height * width
    scale = 1.0
    if max_pixels and area > max_pixels:
        scale = (max_pixels / area) ** 0.5
    elif min_pixels and area < min_pixels:
        scale = (min_pixels / area) ** 0.5
    return max(1, round(height * scale)), max(1, round(width * scale))


class HFImageMedia(MediaProcessor):
    """A media processor backed by one transformers PIL image processor class.

    Subclasses name :attr:`IMAGE_PROCESSOR` (a class of ``transformers``, e.g.
    ``"Gemma3ImageProcessorPil"``) and the family's :attr:`DEFAULTS` (what the published
    checkpoints' ``preprocessor_config.json`` says), then implement the family's placeholders.
    """

    #: the transformers class that turns images into pixel tensors (a ``*Pil`` class)
    IMAGE_PROCESSOR: ClassVar[str] = ""
    #: keyword arguments of :attr:`IMAGE_PROCESSOR` when no checkpoint folder is named
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def image_processor(self) -> Any:
        """The image processor: from ``options.processor_dir`` when it holds a
        ``preprocessor_config.json``, else from :attr:`DEFAULTS`; built once."""
        cached = self.__dict__.get("_image_processor")
        if cached is not None:
            return cached
        import transformers

        cls = getattr(transformers, self.IMAGE_PROCESSOR)
        saved = read_json(self.options.processor_dir, "preprocessor_config.json")
        kwargs = {**self.DEFAULTS, **{k: v for k, v in saved.items() if not k.startswith(("image_processor_type",
                                                                                            "processor_class"))}}
        processor = cls(**kwargs)
        self._image_processor = processor
        return processor

    def __getstate__(self) -> dict[str, Any]:
        # workers rebuild the image processor: a pickled processor stays small
        state = dict(self.__dict__)
        state.pop("_image_processor", None)
        return state

    def processor_config(self) -> dict[str, Any]:
        """The checkpoint's ``processor_config.json`` (``image_seq_length`` ...), ``{}`` without one."""
        return read_json(self.options.processor_dir, "processor_config.json")

    def token_id(self, token: str) -> int:
        """The id of a special token of the family, refusing a tokenizer that lacks it."""
        token_id = self.tokenizer.convert_tokens_to_ids(token)
        if not isinstance(token_id, int) or token_id < 0 or token_id == getattr(self.tokenizer, "unk_token_id", None):
            raise ValueError(f"template {self.spec.id!r}: the tokenizer has no token {token!r}")
        return token_id

    def images(self, media: Media) -> list[Any]:
        """The row's images in RGB (an image processor expects three channels)."""
        return [img.convert("RGB") if getattr(img, "mode", "RGB") != "RGB" else img for img in media.images]
