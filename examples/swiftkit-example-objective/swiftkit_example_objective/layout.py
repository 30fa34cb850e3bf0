"""The ``triplet`` data layout: how ``{anchor, positive, negative}`` rows are checked,
tokenized and batched (:class:`swiftkit.core.data.layout.DataLayout`).

- converted rows: ``anchor``, ``positive``, ``negative`` (strings, from a format whose
  converter lists ``"triplet"`` in its ``modes``: :mod:`.converter`);
- encoded rows: ``anchor_input_ids``, ``positive_input_ids``, ``negative_input_ids`` (each
  text tokenized on its own, with the tokenizer's special tokens; no chat template), cut to
  ``max_length`` as the truncation strategy says (``delete`` drops the row);
- batches: ``{side}_input_ids`` / ``{side}_attention_mask`` per side, right-padded.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings, RowTooLong

SIDES = ("anchor", "positive", "negative")


class TripletLayout(DataLayout):
    id = "triplet"
    version = "1"
    needs_template = False  # plain texts: the tokenizer alone encodes them

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {side: datasets.Value("string") for side in SIDES}

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        return converter.convert(row)  # the converter checks every field

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        import datasets

        ids = datasets.List(datasets.Value("int32")) if hasattr(datasets, "List") else datasets.Sequence(datasets.Value("int32"))
        return {f"{side}_input_ids": ids for side in SIDES}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        columns, truncated, limit = {}, False, settings.max_length
        for side in SIDES:
            ids = list(settings.tokenizer(row[side], add_special_tokens=True)["input_ids"])
            if limit is not None and len(ids) > limit:
                if settings.truncation_strategy == "delete":
                    raise RowTooLong(f"{side}: {len(ids)} tokens > max_length {limit}")
                ids, truncated = (ids[-limit:] if settings.truncation_strategy == "left" else ids[:limit]), True
            columns[f"{side}_input_ids"] = ids
        length = sum(len(v) for v in columns.values())
        return EncodedRow(columns, length=length, trainable=length, truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        pad = getattr(tokenizer, "pad_token_id", None)
        if pad is None:
            pad = getattr(tokenizer, "eos_token_id", None)
        return TripletCollator(0 if pad is None else int(pad))


class TripletCollator:
    """Encoded triplets -> ``{side}_input_ids`` / ``{side}_attention_mask`` (picklable)."""

    def __init__(self, pad_token_id: int):
        self.pad_token_id = pad_token_id

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        batch: dict[str, Any] = {}
        for side in SIDES:
            rows = [list(f[f"{side}_input_ids"]) for f in features]
            width = max(len(r) for r in rows)
            batch[f"{side}_input_ids"] = torch.tensor([r + [self.pad_token_id] * (width - len(r)) for r in rows])
            batch[f"{side}_attention_mask"] = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
        return batch
