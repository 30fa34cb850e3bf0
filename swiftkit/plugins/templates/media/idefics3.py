"""The media processor of Idefics3 (and SmolVLM's layout): each image is resized so that its long
side is at most ``size.longest_edge``, split into a grid of ``max_image_size`` crops plus a
downscaled global view (``Idefics3ImageProcessorPil``), and written as

    <fake_token_around_image><row_1_col_1><image> x N ... (a row ends with "\\n")
    \\n<fake_token_around_image><global-img><image> x N<fake_token_around_image>

(an image that is not split is its global view alone), N = ``image_seq_len`` (169 for the real
checkpoints: (364/14)^2 patches after the 3x3 pixel shuffle). ``MediaOptions.max_pixels`` lowers the
resize target so that an image is split into fewer crops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from swiftkit.core.templates.media import Media, MediaProcessor
from swiftkit.plugins.templates.media._common import cat_padded, image_processor_kwargs, read_json
from swiftkit.templates.base import FormatTemplate

__all__ = ["Idefics3Processor", "Idefics3Template"]

FAKE, GLOBAL, IMAGE = "<fake_token_around_image>", "<global-img>", "<image>"


class Idefics3Processor(MediaProcessor):
    kinds: ClassVar[tuple[str, ...]] = ("image",)
    #: batch keys the model takes (rows/cols only size the placeholder text)
    MODEL_KEYS: ClassVar[tuple[str, ...]] = ("pixel_values", "pixel_attention_mask")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_images"}

    def placeholder(self, kind: str) -> str:
        return IMAGE

    def media_token_ids(self) -> set[int]:
        """Every token of an image's layout: ``<image>``, the ``<fake_token_around_image>``
        brackets, ``<global-img>`` and the ``<row_r_col_c>`` grid markers."""
        names = [IMAGE, FAKE, GLOBAL, *(f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7))]
        ids = {self.tokenizer.convert_tokens_to_ids(name) for name in names}
        return {i for i in ids if isinstance(i, int) and i >= 0 and i != self.tokenizer.unk_token_id}

    def image_processor(self) -> Any:
        if self.__dict__.get("_images") is None:
            from transformers import Idefics3ImageProcessorPil

            self._images = Idefics3ImageProcessorPil(**image_processor_kwargs(self.options.processor_dir, {}))
        return self._images

    def image_seq_len(self) -> int:
        return int(read_json(self.options.processor_dir, "processor_config.json").get("image_seq_len", 169))

    def process(self, media: Media) -> dict[str, Any]:
        if not media.images:
            return {}
        import torch

        images = [img.convert("RGB") for img in media.images]
        out = self.image_processor()([images], return_tensors="pt", return_row_col_info=True, **self.size_for(images))
        return {"pixel_values": out["pixel_values"], "pixel_attention_mask": out["pixel_attention_mask"],
                "image_rows": torch.tensor(out["rows"][0]), "image_cols": torch.tensor(out["cols"][0])}

    def size_for(self, images: list[Any]) -> dict[str, Any]:
        """``MediaOptions.max_pixels`` as the processor's ``size``: the image processor scales every
        image to its ``longest_edge`` (up or down) before splitting, so the budget lowers that edge
        (never below one crop) until the largest image fits."""
        if not self.options.max_pixels:
            return {}
        processor = self.image_processor()
        longest, crop = processor.size["longest_edge"], processor.max_image_size["longest_edge"]
        for img in images:
            ratio = max(img.width, img.height) / min(img.width, img.height)
            longest = min(longest, int(math.sqrt(self.options.max_pixels * ratio)))
        return {"size": {"longest_edge": max(crop, longest)}}

    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        rows, cols = int(inputs["image_rows"][index]), int(inputs["image_cols"][index])
        tokens = IMAGE * self.image_seq_len()
        global_view = f"{FAKE}{GLOBAL}{tokens}{FAKE}"
        if rows == 0 and cols == 0:
            return global_view
        grid = "".join("".join(f"{FAKE}<row_{r + 1}_col_{c + 1}>{tokens}" for c in range(cols)) + "\n"
                       for r in range(rows))
        return f"{grid}\n{global_view}"

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        """Every row's crops in one (1, crops, 3, H, W) tensor: the model flattens the image axis,
        drops all-zero padding crops and fills the ``<image>`` tokens in order."""
        batch: dict[str, Any] = {}
        for key in self.MODEL_KEYS:
            parts = [row[key] for row in rows if row.get(key) is not None]
            if parts:
                batch[key] = cat_padded(parts, dim=1)
        return batch


def _opens_with_image(content: str) -> bool:
    return content.startswith((IMAGE, FAKE))


class Idefics3Template(FormatTemplate):
    """Idefics3's chat format: ``User:`` is followed by a space unless the message opens with an
    image (the real template writes ``':'`` when the first content part is an image, ``': '``
    otherwise); the spec's ``user`` format is ``User:{content}...`` and this adds the space."""

    def _segments(self, messages: Sequence[Any], add_generation_prompt: bool,
                  loss_scale: str | None) -> list[tuple[str, bool]]:
        spaced = [{**m, "content": " " + m["content"]}
                  if m.get("role") == "user" and isinstance(m.get("content"), str) and not _opens_with_image(m["content"])
                  else m for m in messages]
        return super()._segments(spaced, add_generation_prompt, loss_scale)

    def chat_template(self, *, assistant_masks: bool = False) -> str:
        """The generated Jinja with the same conditional space after ``User:``."""
        text = super().chat_template(assistant_masks=assistant_masks)
        plain = "{{- 'User:' ~ content ~"
        if plain not in text:
            raise ValueError(f"template {self.spec.id!r}: the generated chat template has no {plain!r} to adapt")
        opens = f"content[:{len(IMAGE)}] == '{IMAGE}' or content[:{len(FAKE)}] == '{FAKE}'"
        return text.replace(plain, "{{- 'User:' ~ ('' if " + opens + " else ' ') ~ content ~")
