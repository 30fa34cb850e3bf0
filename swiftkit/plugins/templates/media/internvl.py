"""InternVL (the transformers port, ``*-hf`` checkpoints): an InternViT tower, pixel shuffle (0.5)
and an MLP projector; each 448 px tile becomes ``image_seq_length`` (256) ``<IMG_CONTEXT>`` tokens.

An image is cut into up to 12 tiles of its aspect ratio plus a thumbnail (``crop_to_patches``):
the chat template writes ``<IMG_CONTEXT>\\n`` per image, which becomes ``<img>`` + ``<IMG_CONTEXT>``
x (256 x tiles) + ``</img>``. A video is a list of frames, each one 448 px tile, written
``<video>\\n`` and expanded to ``Frame1: <img>...</img>\\nFrame2: ...`` as the processor does.
The frames are prepared by the same PIL image processor (transformers' video processor for
InternVL needs torchvision): resize to the tile size, rescale, normalize, exactly its steps.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia

START, END, CONTEXT = "<img>", "</img>", "<IMG_CONTEXT>"


class InternVLMedia(HFImageMedia):
    kinds = ("image", "video")
    IMAGE_PROCESSOR: ClassVar[str] = "GotOcr2ImageProcessorPil"
    # OpenGVLab/InternVL3-*-hf's preprocessor_config.json, with the processor's crop_to_patches default
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"height": 448, "width": 448}, "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
        "crop_to_patches": True, "min_patches": 1, "max_patches": 12,
    }
    IMAGE_SEQ_LENGTH: ClassVar[int] = 256

    def placeholder(self, kind: str) -> str:
        return f"{CONTEXT}\n" if kind == "image" else "<video>\n"

    def image_seq_length(self) -> int:
        return int(self.processor_config().get("image_seq_length", self.IMAGE_SEQ_LENGTH))

    def process(self, media: Media) -> dict[str, Any]:
        import torch

        if media.images and media.videos:
            # the model reads one stream of tiles in text order, which Media does not record
            raise ValueError(f"template {self.spec.id!r}: a conversation with both images and videos is not "
                             "supported for InternVL; put them in separate rows")
        processor = self.image_processor()
        if media.images:
            out = processor(self.images(media), return_tensors="pt", crop_to_patches=processor.crop_to_patches)
            return {"pixel_values": out["pixel_values"],
                    "num_patches": torch.as_tensor(out["num_patches"], dtype=torch.long)}
        frames, counts = [], []
        for video in media.videos:
            frames += [f.convert("RGB") for f in video]
            counts.append(len(video))
        out = processor(frames, return_tensors="pt", crop_to_patches=False)
        return {"pixel_values": out["pixel_values"], "num_frames": torch.tensor(counts, dtype=torch.long)}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        tile = CONTEXT * self.image_seq_length()
        if kind == "image":
            return f"{START}{tile * int(inputs['num_patches'][index])}{END}\n"
        frames = int(inputs["num_frames"][index])
        return "\n".join(f"Frame{i + 1}: {START}{tile}{END}" for i in range(frames)) + "\n"

    def media_token_ids(self) -> set[int]:
        return {self.token_id(START), self.token_id(END), self.token_id(CONTEXT)}

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        import torch

        pixels = [r["pixel_values"] for r in rows if r.get("pixel_values") is not None]
        return {"pixel_values": torch.cat(pixels)} if pixels else {}
