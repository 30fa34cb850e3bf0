"""Media processors of the LLaVA families (llava-hf ports): LLaVA-1.5, LLaVA-NeXT (anyres tiling),
LLaVA-OneVision (anyres_max_9, videos) and LLaVA-NeXT-Video (videos).

Pixels come from transformers' PIL image processors (no torchvision); the number of ``<image>`` /
``<video>`` tokens each medium takes is what the family's transformers processor writes
(``replace_image_token`` / ``replace_video_token`` of ``LlavaProcessor`` & co., built once per
processor around the tokenizer, which they only read). A checkpoint's ``preprocessor_config.json``
and ``processor_config.json`` (``patch_size``, ``vision_feature_select_strategy`` ...) are read
from ``MediaOptions.processor_dir``; without one the real checkpoints' defaults apply.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaProcessor
from swiftkit.data.media import resize_max_pixels
from swiftkit.plugins.templates.media._common import cat_padded, image_processor_kwargs, read_json

__all__ = ["LlavaProcessor", "LlavaNextProcessor", "LlavaOnevisionProcessor", "LlavaNextVideoProcessor"]

_CLIP = {"size": {"shortest_edge": 336}, "crop_size": {"height": 336, "width": 336},
         "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}
_NEXT = {**_CLIP, "image_grid_pinpoints": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]}


class _HFLlavaBase(MediaProcessor):
    """One image per ``<image>\\n`` content part, expanded by the transformers processor."""

    kinds: ClassVar[tuple[str, ...]] = ("image",)
    #: the transformers image processor (PIL backend) and processor class names
    IMAGE_PROCESSOR: ClassVar[str] = "CLIPImageProcessorPil"
    HF_PROCESSOR: ClassVar[str] = "LlavaProcessor"
    #: the family's defaults: image processor settings, then processor settings
    IMAGE_DEFAULTS: ClassVar[dict[str, Any]] = _CLIP
    PROCESSOR_DEFAULTS: ClassVar[dict[str, Any]] = {
        "patch_size": 14, "vision_feature_select_strategy": "default", "num_additional_image_tokens": 1}
    #: images are scaled to fit ``max_pixels`` first (families that tile by the image's own size)
    RESIZES_BY_SIZE: ClassVar[bool] = False

    def __getstate__(self) -> dict[str, Any]:
        # the transformers objects are rebuilt in each worker process
        return {k: v for k, v in self.__dict__.items() if k not in {"_images", "_hf"}}

    def placeholder(self, kind: str) -> str:
        return f"<{kind}>\n"

    def image_processor(self) -> Any:
        if self.__dict__.get("_images") is None:
            import transformers

            cls = getattr(transformers, self.IMAGE_PROCESSOR)
            self._images = cls(**image_processor_kwargs(self.options.processor_dir, self.IMAGE_DEFAULTS))
        return self._images

    def processor_settings(self) -> dict[str, Any]:
        """``processor_config.json`` of the checkpoint over :attr:`PROCESSOR_DEFAULTS`."""
        saved = read_json(self.options.processor_dir, "processor_config.json")
        return {k: saved.get(k, v) for k, v in self.PROCESSOR_DEFAULTS.items()}

    def hf_processor(self) -> Any:
        """The family's transformers processor, used for its token counts only."""
        if self.__dict__.get("_hf") is None:
            import transformers

            cls = getattr(transformers, self.HF_PROCESSOR)
            self._hf = cls(image_processor=self.image_processor(), tokenizer=self.tokenizer, **self.processor_settings())
        return self._hf

    def images(self, media: Media) -> list[Any]:
        images = [img.convert("RGB") for img in media.images]
        if self.RESIZES_BY_SIZE:
            images = [resize_max_pixels(img, self.options.max_pixels) for img in images]
        return images

    def process(self, media: Media) -> dict[str, Any]:
        if not media.images:
            return {}
        return dict(self.image_processor()(self.images(media), return_tensors="pt"))

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        return self.hf_processor().replace_image_token(inputs, index) + "\n"

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        keys = [k for row in rows for k in row]
        batch: dict[str, Any] = {}
        for key in dict.fromkeys(keys):
            parts = [row[key] for row in rows if row.get(key) is not None]
            if parts:
                batch[key] = cat_padded(parts)
        return batch


class LlavaProcessor(_HFLlavaBase):
    """LLaVA-1.5: each image resized and centre-cropped to the tower's size (336), one token per
    patch (576)."""


class LlavaNextProcessor(_HFLlavaBase):
    """LLaVA-NeXT: the image tiled at the best of ``image_grid_pinpoints`` plus a base view;
    ``pixel_values`` (images, crops, 3, H, W) and ``image_sizes``; crops padded per batch."""

    IMAGE_PROCESSOR = "LlavaNextImageProcessorPil"
    HF_PROCESSOR = "LlavaNextProcessor"
    IMAGE_DEFAULTS = _NEXT
    RESIZES_BY_SIZE = True


class LlavaOnevisionProcessor(_HFLlavaBase):
    """LLaVA-OneVision: SigLIP at 384, anyres_max_9 tiling for a single image (several images in a
    conversation take the base view only, as the model reads them); videos as frames of the base
    view, pooled 2x2 by the model."""

    kinds = ("image", "video")
    IMAGE_PROCESSOR = "LlavaOnevisionImageProcessorPil"
    HF_PROCESSOR = "LlavaOnevisionProcessor"
    IMAGE_DEFAULTS = {"size": {"height": 384, "width": 384}}
    PROCESSOR_DEFAULTS = {"num_image_tokens": 729, "vision_feature_select_strategy": "full",
                          "vision_aspect_ratio": "anyres_max_9"}
    RESIZES_BY_SIZE = True

    def process(self, media: Media) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if media.images:
            out.update(self.image_processor()(self.images(media), return_tensors="pt"))
        if media.videos:
            out["pixel_values_videos"] = self.video_pixels(media.videos)
        return out

    def video_pixels(self, videos: list[list[Any]]) -> Any:
        """(videos, frames, 3, H, W): each frame resized to the tower's square input, normalised
        like an image (the base view of the image processor, no tiling)."""
        import torch

        processor = self.image_processor()
        size = processor.size
        side = size["height"] if "height" in size else size["shortest_edge"]
        clips = []
        for frames in videos:
            resized = [f.convert("RGB").resize((side, side), resample=3) for f in frames]
            pixels = processor(resized, return_tensors="pt", do_pad=False, image_grid_pinpoints=[[side, side]])
            clips.append(pixels["pixel_values"][:, 0])
        return cat_padded([torch.as_tensor(c)[None] for c in clips])

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        hf = self.hf_processor()
        if kind == "video":
            return hf.replace_video_token(inputs, index) + "\n"
        return hf.replace_image_token(inputs, index) + "\n"

    def hf_processor(self) -> Any:
        if self.__dict__.get("_hf") is None:
            import transformers

            # ProcessorMixin insists on the video processor, which needs torchvision; the token
            # counts need only these attributes, so the processor is assembled without __init__
            hf = object.__new__(transformers.LlavaOnevisionProcessor)
            settings = self.processor_settings()
            hf.image_processor = self.image_processor()
            hf.num_image_tokens = settings["num_image_tokens"]
            hf.vision_feature_select_strategy = settings["vision_feature_select_strategy"]
            hf.vision_aspect_ratio = settings["vision_aspect_ratio"]
            hf.image_token, hf.video_token = "<image>", "<video>"
            self._hf = hf
        return self._hf


class LlavaNextVideoProcessor(LlavaNextProcessor):
    """LLaVA-NeXT-Video: images as LLaVA-NeXT; a video's frames resized to the tower's input, each
    frame's patches pooled 2x2 by the model (``(side/patch/2)^2`` tokens per frame)."""

    kinds = ("image", "video")

    def process(self, media: Media) -> dict[str, Any]:
        out: dict[str, Any] = super().process(media) if media.images else {}
        if media.videos:
            import torch
            import transformers

            # frames as LLaVA-1.5 images: resized and centre-cropped to the tower's input
            frames_processor = transformers.CLIPImageProcessorPil(
                **{k: v for k, v in image_processor_kwargs(self.options.processor_dir, _CLIP).items()
                   if k != "image_grid_pinpoints"})
            clips = [torch.as_tensor(frames_processor([f.convert("RGB") for f in frames], return_tensors="pt")
                                     ["pixel_values"])[None] for frames in media.videos]
            out["pixel_values_videos"] = cat_padded(clips)
        return out

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        if kind == "video":
            frames = inputs["pixel_values_videos"][index]
            settings = self.processor_settings()
            side = frames.shape[-1] // settings["patch_size"]
            per_frame = (side // 2) * (side // 2)
            return "<video>" * (per_frame * frames.shape[0]) + "\n"
        return super().expand(kind, index, inputs)

    def hf_processor(self) -> Any:
        if self.__dict__.get("_hf") is None:
            import transformers

            # LlavaNextVideoProcessor needs a torchvision video processor: its image half is NeXT's
            self._hf = transformers.LlavaNextProcessor(image_processor=self.image_processor(), tokenizer=self.tokenizer,
                                                       **self.processor_settings())
        return self._hf
