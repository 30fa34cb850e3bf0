"""Gemma 3 (vision): each image is a SigLIP square (896 px in the published checkpoints) that the
model pools into ``image_seq_length`` soft tokens (256).

The chat template writes ``<start_of_image>`` for an image content part; the processor turns it
into ``\\n\\n<start_of_image>`` + ``<image_soft_token>`` x ``image_seq_length`` +
``<end_of_image>\\n\\n``. In training the model attends bidirectionally within an image, which it
reads from ``token_type_ids`` (1 on the soft tokens), built here in :meth:`collate`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia

BOI, EOI, SOFT = "<start_of_image>", "<end_of_image>", "<image_soft_token>"


class Gemma3Media(HFImageMedia):
    kinds = ("image",)
    IMAGE_PROCESSOR: ClassVar[str] = "Gemma3ImageProcessorPil"
    # google/gemma-3-4b-it's preprocessor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"height": 896, "width": 896}, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
        "resample": 2, "do_pan_and_scan": False,
    }
    #: soft tokens per image in the published checkpoints (``mm_tokens_per_image``)
    IMAGE_SEQ_LENGTH: ClassVar[int] = 256

    def placeholder(self, kind: str) -> str:
        return BOI

    def image_seq_length(self) -> int:
        return int(self.processor_config().get("image_seq_length", self.IMAGE_SEQ_LENGTH))

    def process(self, media: Media) -> dict[str, Any]:
        out = self.image_processor()(self.images(media), return_tensors="pt", do_pan_and_scan=False)
        return {"pixel_values": out["pixel_values"]}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        return f"\n\n{BOI}{SOFT * self.image_seq_length()}{EOI}\n\n"

    def media_token_ids(self) -> set[int]:
        return {self.token_id(BOI), self.token_id(EOI), self.token_id(SOFT)}

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        batch = super().collate(rows, input_ids)
        if "pixel_values" in batch:
            batch["token_type_ids"] = (input_ids == self.token_id(SOFT)).long()
        return batch
