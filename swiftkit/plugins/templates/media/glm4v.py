"""GLM-4.1V / GLM-4.5V / GLM-4.6V: a ViT over 14 px patches at the image's own size (between
``min_pixels`` and ``max_pixels``), 2x2 patches merged into one token, positions by 3-D RoPE.

The chat template writes ``<|begin_of_image|><|image|><|end_of_image|>`` per image; the processor
repeats ``<|image|>`` once per merged patch (``prod(image_grid_thw) / 4``). A video is written
``<|begin_of_video|><|video|><|end_of_video|>``; ``<|video|>`` becomes, per pair of frames (one
temporal patch), ``<|begin_of_image|>`` + ``<|image|>`` x tokens + ``<|end_of_image|>`` + the
pair's time in whole seconds, as transformers' ``Glm4vProcessor`` writes it. Video frames are
resized, normalised and cut into patches here in the layout of ``Glm4vVideoProcessor`` (which needs
torchvision). The model locates image and video tokens for its 3-D positions with
``mm_token_type_ids`` (1 image, 2 inside a video), built in :meth:`collate` as the processor does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia, read_json

BEGIN, IMAGE, END = "<|begin_of_image|>", "<|image|>", "<|end_of_image|>"
VIDEO_BEGIN, VIDEO, VIDEO_END = "<|begin_of_video|>", "<|video|>", "<|end_of_video|>"


class Glm4vMedia(HFImageMedia):
    kinds = ("image", "video")
    IMAGE_PROCESSOR: ClassVar[str] = "Glm4vImageProcessorPil"
    # zai-org/GLM-4.1V-9B-Thinking's preprocessor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"shortest_edge": 12544, "longest_edge": 9633792}, "patch_size": 14, "temporal_patch_size": 2,
        "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
    }
    #: the video processor's pixel budget over all frames (transformers' Glm4vVideoProcessor defaults)
    VIDEO_SIZE: ClassVar[dict[str, int]] = {"shortest_edge": 112 * 112, "longest_edge": 28 * 28 * 2 * 30000}

    def placeholder(self, kind: str) -> str:
        return f"{BEGIN}{IMAGE}{END}" if kind == "image" else f"{VIDEO_BEGIN}{VIDEO}{VIDEO_END}"

    def process(self, media: Media) -> dict[str, Any]:
        import torch

        if media.images and media.videos:
            # transformers' GLM-4V model finds both by the same <|image|> token: it cannot place them apart
            raise ValueError(f"template {self.spec.id!r}: a conversation with both images and videos is not "
                             "supported for GLM-4V (the model tells them apart by the same token); put them in "
                             "separate rows")
        out: dict[str, Any] = {}
        if media.images:
            processor = self.image_processor()
            size = dict(processor.size)
            if self.options.max_pixels:
                size["longest_edge"] = self.options.max_pixels
            if self.options.min_pixels:
                size["shortest_edge"] = self.options.min_pixels
            images = processor(self.images(media), return_tensors="pt", size=size)
            out = {"pixel_values": images["pixel_values"], "image_grid_thw": images["image_grid_thw"]}
        if media.videos:
            patches, grids, times = [], [], []
            for k, frames in enumerate(media.videos):
                p, grid = self.video_patches(frames)
                patches.append(torch.from_numpy(p))
                grids.append(grid)
                fps = media.video_fps[k] if k < len(media.video_fps) and media.video_fps[k] else 24.0
                # the processor's timestamps: one per frame (i / fps), every second one per temporal patch
                times.append([int(i / fps) for i in range(0, grid[0] * 2, 2)])
            out["pixel_values_videos"] = torch.cat(patches)
            out["video_grid_thw"] = torch.tensor(grids, dtype=torch.long)
            out["video_seconds"] = torch.tensor([t for ts in times for t in ts], dtype=torch.long)
        return out

    def merge_size(self) -> int:
        return int(self.image_processor().merge_size)

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        merge = self.merge_size()
        if kind == "image":
            count = int(inputs["image_grid_thw"][index].prod()) // merge**2
            return f"{BEGIN}{IMAGE * count}{END}"
        grids = inputs["video_grid_thw"]
        t, h, w = (int(v) for v in grids[index])
        first = sum(int(g[0]) for g in grids[:index])
        seconds = inputs["video_seconds"][first:first + t].tolist()
        per_frame = h * w // merge**2
        return VIDEO_BEGIN + "".join(f"{BEGIN}{IMAGE * per_frame}{END}{s}" for s in seconds) + VIDEO_END

    def media_token_ids(self) -> set[int]:
        return {self.token_id(t) for t in (BEGIN, IMAGE, END, VIDEO_BEGIN, VIDEO_END)}

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        import torch

        batch = super().collate([{k: v for k, v in r.items() if k != "video_seconds"} for r in rows], input_ids)
        if "pixel_values" in batch or "pixel_values_videos" in batch:
            # 2 on image tokens inside <|begin_of_video|> ... <|end_of_video|>, 1 on the others
            inside = torch.cumsum(input_ids == self.token_id(VIDEO_BEGIN), 1) > torch.cumsum(
                input_ids == self.token_id(VIDEO_END), 1)
            image = input_ids == self.token_id(IMAGE)
            batch["mm_token_type_ids"] = (image & ~inside).long() + 2 * (image & inside).long()
        return batch

    # -- video -------------------------------------------------------------------------------

    def video_size(self) -> dict[str, int]:
        """The pixel budget of one video (all its frames): the checkpoint's
        ``video_preprocessor_config.json``, else the video processor's defaults, then
        ``--video_min_pixels`` / ``--video_max_pixels``."""
        size = dict(read_json(self.options.processor_dir, "video_preprocessor_config.json").get("size")
                    or self.VIDEO_SIZE)
        if self.options.video_max_pixels:
            size["longest_edge"] = self.options.video_max_pixels
        if self.options.video_min_pixels:
            size["shortest_edge"] = self.options.video_min_pixels
        return size

    def video_patches(self, frames: list[Any]) -> tuple[Any, list[int]]:
        """``(patches, [t, h, w])``: the frames resized (bicubic, GLM's ``smart_resize`` over the
        whole clip), rescaled, normalised, the last repeated up to an even count, cut into
        ``C x temporal x patch x patch`` patches in ``Glm4vVideoProcessor.patchify``'s order."""
        import numpy as np
        from PIL import Image
        from transformers.models.glm4v.image_processing_pil_glm4v import smart_resize

        if not frames:
            raise ValueError(f"template {self.spec.id!r}: a video has no frames")
        ip = self.image_processor()
        patch, merge, temporal = int(ip.patch_size), int(ip.merge_size), int(ip.temporal_patch_size)
        first = frames[0].convert("RGB")
        size = self.video_size()
        height, width = smart_resize(max(len(frames), temporal), first.height, first.width, temporal_factor=temporal,
                                     factor=patch * merge, min_pixels=size["shortest_edge"],
                                     max_pixels=size["longest_edge"])
        mean = np.asarray(ip.image_mean, dtype=np.float32).reshape(3, 1, 1)
        std = np.asarray(ip.image_std, dtype=np.float32).reshape(3, 1, 1)
        stack = []
        for frame in frames:
            img = frame.convert("RGB").resize((width, height), resample=Image.Resampling.BICUBIC)
            stack.append((np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0 - mean) / std)
        video = np.stack(stack)
        if pad := -len(video) % temporal:
            video = np.concatenate([video, np.repeat(video[-1:], pad, axis=0)])
        grid_t, grid_h, grid_w = len(video) // temporal, height // patch, width // patch
        x = video.reshape(grid_t, temporal, 3, grid_h // merge, merge, patch, grid_w // merge, merge, patch)
        x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        return np.ascontiguousarray(x.reshape(grid_t * grid_h * grid_w, 3 * temporal * patch * patch),
                                    dtype=np.float32), [grid_t, grid_h, grid_w]
