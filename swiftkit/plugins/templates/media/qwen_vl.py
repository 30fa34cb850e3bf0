"""The media processor of the Qwen vision-language families (Qwen2-VL, Qwen2.5-VL, Qwen3-VL).

An image becomes ``<|vision_start|><|image_pad|>...<|vision_end|>`` with one pad token per
2x2 window of vision patches (``prod(image_grid_thw) // merge_size**2``); a video likewise with
``<|video_pad|>``, its frames grouped in pairs (``temporal_patch_size``). Pixels are computed
by transformers' PIL image processor (``Qwen2VLImageProcessorPil``: the torchvision-based
processors cannot run here), built from the checkpoint's ``preprocessor_config.json`` when
:attr:`MediaOptions.processor_dir` names a folder that has one, and from the family's defaults
otherwise; ``--max_pixels`` / ``--min_pixels`` (``MAX_PIXELS`` ...) override its pixel budget.
Video frames arrive sampled (:func:`swiftkit.data.video.load_video`); each is resized,
normalised and cut into patches exactly as transformers' Qwen2-VL video processor lays them
out, within the ``--video_max_pixels`` / ``--video_min_pixels`` budget.

The model reads M-RoPE positions that need to know which tokens are media:
:meth:`QwenVLMediaProcessor.collate` adds ``mm_token_type_ids`` (0 text, 1 image, 2 video), as
transformers' processor returns it, and Qwen2.5-VL's ``second_per_grid_ts``.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaOptions, MediaProcessor

__all__ = ["QwenVLMediaProcessor", "Qwen2VLMediaProcessor", "Qwen2_5VLMediaProcessor", "Qwen3VLMediaProcessor"]

_CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
_CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
_TOKEN_TYPE = {"image": 1, "video": 2}
#: the frame rate assumed for a video whose sampling rate is unknown (ms-swift's FPS default)
DEFAULT_FPS = 2.0
#: process() keys that describe the media but are not model inputs
_NOT_MODEL_INPUTS = ("video_fps",)


def _fps_of(media: Media, count: int) -> list[float]:
    """Each video's sampling rate, :data:`DEFAULT_FPS` where the row does not say."""
    fps = list(media.video_fps or [])
    return [float(fps[i]) if i < len(fps) and fps[i] else DEFAULT_FPS for i in range(count)]


class QwenVLMediaProcessor(MediaProcessor):
    """Images and videos of the Qwen-VL families; subclasses set the family's defaults."""

    kinds: ClassVar[tuple[str, ...]] = ("image", "video")
    VISION_START: ClassVar[str] = "<|vision_start|>"
    VISION_END: ClassVar[str] = "<|vision_end|>"
    PAD: ClassVar[dict[str, str]] = {"image": "<|image_pad|>", "video": "<|video_pad|>"}
    #: the image processor's defaults (a real checkpoint's preprocessor_config.json)
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "patch_size": 14, "merge_size": 2, "temporal_patch_size": 2,
        "min_pixels": 56 * 56, "max_pixels": 28 * 28 * 1280,
        "image_mean": list(_CLIP_MEAN), "image_std": list(_CLIP_STD),
    }
    #: the video processor's per-frame pixel budget (transformers' Qwen2-VL video processor)
    VIDEO_MIN_PIXELS: ClassVar[int] = 128 * 28 * 28
    VIDEO_MAX_PIXELS: ClassVar[int] = 768 * 28 * 28

    def __init__(self, spec: Any, tokenizer: Any, options: MediaOptions | None = None):
        super().__init__(spec, tokenizer, options)
        self.config = self._read_config(self.options.processor_dir)
        self._image_processor: Any = None

    # -- configuration -----------------------------------------------------------------------

    def _read_config(self, folder: str | None) -> dict[str, Any]:
        """The family defaults, overlaid by the checkpoint's preprocessor_config.json (if any)."""
        config = dict(self.DEFAULTS)
        path = os.path.join(folder, "preprocessor_config.json") if folder else None
        if path and os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    saved = json.load(f)
            except (OSError, ValueError) as exc:
                raise ValueError(f"{path}: not a readable preprocessor config: {exc}") from exc
            size = saved.get("size") or {}
            for key in ("patch_size", "merge_size", "temporal_patch_size", "image_mean", "image_std"):
                if saved.get(key) is not None:
                    config[key] = saved[key]
            config["min_pixels"] = saved.get("min_pixels") or size.get("shortest_edge") or config["min_pixels"]
            config["max_pixels"] = saved.get("max_pixels") or size.get("longest_edge") or config["max_pixels"]
        if self.options.min_pixels:
            config["min_pixels"] = self.options.min_pixels
        if self.options.max_pixels:
            config["max_pixels"] = self.options.max_pixels
        return config

    @property
    def merge_size(self) -> int:
        return int(self.config["merge_size"])

    def image_processor(self) -> Any:
        """transformers' ``Qwen2VLImageProcessorPil`` for :attr:`config` (created on first use)."""
        if self._image_processor is None:
            from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

            c = self.config
            self._image_processor = Qwen2VLImageProcessorPil(
                min_pixels=c["min_pixels"], max_pixels=c["max_pixels"], patch_size=c["patch_size"],
                merge_size=c["merge_size"], temporal_patch_size=c["temporal_patch_size"],
                image_mean=c["image_mean"], image_std=c["image_std"],
            )
        return self._image_processor

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_image_processor"] = None  # rebuilt in the worker; keeps pickles small
        return state

    # -- the contract ------------------------------------------------------------------------

    def placeholder(self, kind: str) -> str:
        return self.VISION_START + self.PAD[kind] + self.VISION_END

    def process(self, media: Media) -> dict[str, Any]:
        import torch

        out: dict[str, Any] = {}
        if media.images:
            result = self.image_processor()(images=[img.convert("RGB") for img in media.images], return_tensors="pt")
            out["pixel_values"] = result["pixel_values"]
            out["image_grid_thw"] = result["image_grid_thw"]
        if media.videos:
            patches, grids = [], []
            for frames in media.videos:
                p, grid = self.video_patches(frames)
                patches.append(p)
                grids.append(grid)
            out["pixel_values_videos"] = torch.from_numpy(__import__("numpy").concatenate(patches, axis=0))
            out["video_grid_thw"] = torch.tensor(grids, dtype=torch.long)
            out.update(self.video_extras(media, out["video_grid_thw"]))
        return out

    def video_extras(self, media: Media, video_grid_thw: Any) -> dict[str, Any]:
        """Further per-video model inputs (Qwen2.5-VL: ``second_per_grid_ts``); none here."""
        return {}

    def pad_count(self, kind: str, index: int, inputs: dict[str, Any]) -> int:
        grid = inputs["image_grid_thw" if kind == "image" else "video_grid_thw"][index]
        return int(math.prod(int(x) for x in grid)) // self.merge_size**2

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        return self.VISION_START + self.PAD[kind] * self.pad_count(kind, index, inputs) + self.VISION_END

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        """Every tensor concatenated along dim 0, plus ``mm_token_type_ids`` marking the image
        (1) and video (2) pad tokens of ``input_ids``, which the model's M-RoPE requires."""
        import torch

        batch = super().collate([{k: v for k, v in row.items() if k not in _NOT_MODEL_INPUTS} for row in rows],
                                input_ids)
        types = torch.zeros_like(input_ids)
        for kind, value in _TOKEN_TYPE.items():
            token_id = self.tokenizer.convert_tokens_to_ids(self.PAD[kind])
            types[input_ids == token_id] = value
        batch["mm_token_type_ids"] = types
        return batch

    # -- video -------------------------------------------------------------------------------

    def video_size(self, height: int, width: int) -> tuple[int, int]:
        """A frame's size after resizing: Qwen's ``smart_resize`` within the video pixel budget."""
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

        factor = int(self.config["patch_size"]) * self.merge_size
        min_pixels = self.options.video_min_pixels or self.config.get("video_min_pixels") or self.VIDEO_MIN_PIXELS
        max_pixels = self.options.video_max_pixels or self.config.get("video_max_pixels") or self.VIDEO_MAX_PIXELS
        return smart_resize(height, width, factor=factor, min_pixels=min(min_pixels, max_pixels), max_pixels=max_pixels)

    def video_patches(self, frames: list[Any]) -> tuple[Any, list[int]]:
        """``(patches, [t, h, w])`` of one video's frames, laid out as transformers' Qwen2-VL
        video processor does: frames resized (bicubic), rescaled and normalised, the last frame
        repeated up to a multiple of ``temporal_patch_size``, then cut into
        ``(t, h/m, w/m, m, m)``-ordered patches of ``C x temporal x patch x patch`` values."""
        import numpy as np
        from PIL import Image

        if not frames:
            raise ValueError("a video has no frames")
        c = self.config
        patch, merge, temporal = int(c["patch_size"]), self.merge_size, int(c["temporal_patch_size"])
        first = frames[0].convert("RGB")
        height, width = self.video_size(first.height, first.width)
        mean = np.asarray(c["image_mean"], dtype=np.float32).reshape(3, 1, 1)
        std = np.asarray(c["image_std"], dtype=np.float32).reshape(3, 1, 1)
        stack = []
        for frame in frames:
            img = frame.convert("RGB").resize((width, height), resample=Image.Resampling.BICUBIC)
            arr = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
            stack.append((arr - mean) / std)
        video = np.stack(stack)  # (T, C, H, W)
        if pad := -len(video) % temporal:
            video = np.concatenate([video, np.repeat(video[-1:], pad, axis=0)])
        grid_t, grid_h, grid_w = len(video) // temporal, height // patch, width // patch
        x = video.reshape(grid_t, temporal, 3, grid_h // merge, merge, patch, grid_w // merge, merge, patch)
        x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return np.ascontiguousarray(x.reshape(grid_t * grid_h * grid_w, 3 * temporal * patch * patch)), \
            [grid_t, grid_h, grid_w]


class Qwen2VLMediaProcessor(QwenVLMediaProcessor):
    """Qwen2-VL (and QVQ, UI-TARS, olmOCR, MinerU): 14-pixel patches, CLIP normalisation."""


class Qwen2_5VLMediaProcessor(QwenVLMediaProcessor):
    """Qwen2.5-VL (and MiMo-VL): as Qwen2-VL; videos also give ``second_per_grid_ts`` (seconds
    per temporal patch), which spaces the video's M-RoPE time positions."""

    def video_extras(self, media: Media, video_grid_thw: Any) -> dict[str, Any]:
        import torch

        temporal = int(self.config["temporal_patch_size"])
        fps = _fps_of(media, len(video_grid_thw))
        return {"second_per_grid_ts": torch.tensor([temporal / f for f in fps], dtype=torch.float32)}


class Qwen3VLMediaProcessor(QwenVLMediaProcessor):
    """Qwen3-VL (and Qwen3-VL-MoE): 16-pixel patches normalised with mean/std 0.5; a video
    writes each temporal patch's time (``<1.0 seconds>``) before its pad tokens."""

    DEFAULTS: ClassVar[dict[str, Any]] = {
        **QwenVLMediaProcessor.DEFAULTS, "patch_size": 16,
        "min_pixels": 65536, "max_pixels": 16777216,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
    }
    VIDEO_MIN_PIXELS: ClassVar[int] = 4096
    VIDEO_MAX_PIXELS: ClassVar[int] = 25165824

    def video_extras(self, media: Media, video_grid_thw: Any) -> dict[str, Any]:
        """The sampling rate of each video (``video_fps``), which :meth:`expand` writes as times;
        :meth:`collate` leaves it out of the model's inputs."""
        import torch

        return {"video_fps": torch.tensor(_fps_of(media, len(video_grid_thw)), dtype=torch.float32)}

    def timestamps(self, fps: float, grid_t: int) -> list[float]:
        """The time of each temporal patch: the mean of its first and last frame's time, frames
        ``1 / fps`` seconds apart (transformers' Qwen3-VL processor)."""
        temporal = int(self.config["temporal_patch_size"])
        return [((t * temporal) + (t * temporal + temporal - 1)) / 2 / fps for t in range(grid_t)]

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        if kind != "video":
            return super().expand(kind, index, inputs)
        grid_t, grid_h, grid_w = (int(x) for x in inputs["video_grid_thw"][index])
        per_frame = grid_h * grid_w // self.merge_size**2
        fps = float(inputs["video_fps"][index])
        return "".join(f"<{t:.1f} seconds>" + self.VISION_START + self.PAD["video"] * per_frame + self.VISION_END
                       for t in self.timestamps(fps, grid_t))
