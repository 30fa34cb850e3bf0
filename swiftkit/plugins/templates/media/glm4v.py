"""GLM-4.1V / GLM-4.5V / GLM-4.6V: a ViT over 14 px patches at the image's own size (between
``min_pixels`` and ``max_pixels``), 2x2 patches merged into one token, positions by 3-D RoPE.

The chat template writes ``<|begin_of_image|><|image|><|end_of_image|>`` per image; the processor
repeats ``<|image|>`` once per merged patch (``prod(image_grid_thw) / 4``). The model locates
image tokens for its 3-D positions with ``mm_token_type_ids`` (1 on image tokens), built in
:meth:`collate` as transformers' ``Glm4vProcessor`` builds it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates.media.hf_images import HFImageMedia

BEGIN, IMAGE, END = "<|begin_of_image|>", "<|image|>", "<|end_of_image|>"


class Glm4vMedia(HFImageMedia):
    kinds = ("image",)
    IMAGE_PROCESSOR: ClassVar[str] = "Glm4vImageProcessorPil"
    # zai-org/GLM-4.1V-9B-Thinking's preprocessor_config.json
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "size": {"shortest_edge": 12544, "longest_edge": 9633792}, "patch_size": 14, "temporal_patch_size": 2,
        "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
        "image_std": [0.26862954, 0.26130258, 0.27577711],
    }

    def placeholder(self, kind: str) -> str:
        return f"{BEGIN}{IMAGE}{END}"

    def process(self, media: Media) -> dict[str, Any]:
        processor = self.image_processor()
        size = dict(processor.size)
        if self.options.max_pixels:
            size["longest_edge"] = self.options.max_pixels
        if self.options.min_pixels:
            size["shortest_edge"] = self.options.min_pixels
        out = processor(self.images(media), return_tensors="pt", size=size)
        return {"pixel_values": out["pixel_values"], "image_grid_thw": out["image_grid_thw"]}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        merge = int(self.image_processor().merge_size)
        count = int(inputs["image_grid_thw"][index].prod()) // merge**2
        return f"{BEGIN}{IMAGE * count}{END}"

    def media_token_ids(self) -> set[int]:
        return {self.token_id(BEGIN), self.token_id(IMAGE), self.token_id(END)}

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        batch = super().collate(rows, input_ids)
        if "pixel_values" in batch:
            batch["mm_token_type_ids"] = (input_ids == self.token_id(IMAGE)).long()
        return batch
