"""Batching encoded rows: padded batches, or padding-free rows marked by ``position_ids``.

How transformers (5.x) keeps packed samples apart: when a forward gets ``position_ids`` and
**no** ``attention_mask`` (and no ``past_key_values``), ``masking_utils`` derives a
block-diagonal causal mask from the places where the position ids restart
(``find_packed_sequence_indices``), for ``sdpa`` and ``eager`` attention alike; flash-attention
paths read the same restarts. Two consequences, both handled here:

- a batch carrying ``position_ids`` must not carry an ``attention_mask`` (it would switch the
  detection off), so padding is given position ids of its own (``0, 1, ...``): it becomes a
  separate dummy segment that attends only to itself, with labels -100;
- models whose config has ``use_cache=True`` (most) build a ``DynamicCache`` in a training
  forward, which also switches the detection off and lets samples attend to each other. Such
  batches therefore carry ``use_cache=False`` (measured on a tiny Qwen2: with the cache the
  second sample's token losses are off by 0.16; without it they match the separate run
  within 5e-7).

``transformers.DataCollatorWithFlattening`` does the padding-free part for unpacked rows, but it
recomputes ``position_ids`` per row (so it would merge the samples inside an already packed
row) and never sets ``use_cache``; hence this small collator.
"""

from __future__ import annotations

from typing import Any

IGNORE_INDEX = -100


def _as_list(value: Any) -> list[int]:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _round_up(n: int, multiple: int | None) -> int:
    if not multiple or multiple <= 1:
        return n
    return -(-n // multiple) * multiple


class DataCollator:
    """Picklable collator (safe with ``dataloader_num_workers``); returns torch tensors.

    Reads ``input_ids``, ``labels`` and, for packed rows, ``position_ids``; other columns
    (``length``) are ignored.
    """

    def __init__(self, pad_token_id: int, *, padding_free: bool = False, pad_to_multiple_of: int | None = None,
                 padding_side: str = "right"):
        if padding_side not in ("left", "right"):
            raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
        self.pad_token_id = pad_token_id
        self.padding_free = padding_free
        self.pad_to_multiple_of = pad_to_multiple_of
        self.padding_side = padding_side

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        rows = []
        for f in features:
            ids = _as_list(f["input_ids"])
            labels = _as_list(f["labels"]) if "labels" in f and f["labels"] is not None else list(ids)
            pos = _as_list(f["position_ids"]) if f.get("position_ids") is not None else None
            rows.append((ids, labels, pos))
        if self.padding_free:
            return self._flatten(rows, torch)
        return self._pad(rows, torch)

    def _flatten(self, rows: list[tuple[list[int], list[int], list[int] | None]], torch: Any) -> dict[str, Any]:
        ids: list[int] = []
        labels: list[int] = []
        pos: list[int] = []
        for row_ids, row_labels, row_pos in rows:
            row_labels = list(row_labels)
            if row_labels:  # the previous row's last token must not predict this row's first
                row_labels[0] = IGNORE_INDEX
            ids += row_ids
            labels += row_labels
            pos += row_pos if row_pos is not None else range(len(row_ids))
        extra = _round_up(len(ids), self.pad_to_multiple_of) - len(ids)
        ids += [self.pad_token_id] * extra
        labels += [IGNORE_INDEX] * extra
        pos += range(extra)
        return {
            "input_ids": torch.tensor([ids], dtype=torch.long),
            "labels": torch.tensor([labels], dtype=torch.long),
            "position_ids": torch.tensor([pos], dtype=torch.long),
            "use_cache": False,
        }

    def _pad(self, rows: list[tuple[list[int], list[int], list[int] | None]], torch: Any) -> dict[str, Any]:
        width = _round_up(max((len(r[0]) for r in rows), default=0), self.pad_to_multiple_of)
        packed = any(r[2] is not None for r in rows)
        left = getattr(self, "padding_side", "right") == "left" and not packed
        input_ids, labels, masks, positions = [], [], [], []
        for row_ids, row_labels, row_pos in rows:
            extra = width - len(row_ids)
            if left:  # positions still count from the row's first token
                input_ids.append([self.pad_token_id] * extra + row_ids)
                labels.append([IGNORE_INDEX] * extra + list(row_labels))
                masks.append([0] * extra + [1] * len(row_ids))
                positions.append([0] * extra + list(range(len(row_ids))))
                continue
            input_ids.append(row_ids + [self.pad_token_id] * extra)
            labels.append(list(row_labels) + [IGNORE_INDEX] * extra)
            if packed:
                base = row_pos if row_pos is not None else list(range(len(row_ids)))
                positions.append(list(base) + list(range(extra)))
            else:
                masks.append([1] * len(row_ids) + [0] * extra)
        batch: dict[str, Any] = {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
        }
        if packed:
            batch["position_ids"] = torch.tensor(positions, dtype=torch.long)
            batch["use_cache"] = False
        else:
            batch["attention_mask"] = torch.tensor(masks, dtype=torch.long)
            if left:
                batch["position_ids"] = torch.tensor(positions, dtype=torch.long)
        return batch


def make_collator(tokenizer: Any, *, padding_free: bool = False, pad_to_multiple_of: int | None = None,
                  padding_side: str = "right") -> DataCollator:
    """The collator for rows from :func:`swiftkit.data.prepare_datasets`.

    - default: right-pads ``input_ids`` with the pad id (the eos id when the tokenizer has no
      pad token) and ``labels`` with -100, and adds ``attention_mask``; packed rows (with
      ``position_ids``) are padded with a dummy segment instead and carry no mask (see above);
    - ``padding_free=True``: concatenates the whole batch into one row with ``position_ids``
      restarting per sample, no ``attention_mask``, and the first label of each sample -100;
    - ``pad_to_multiple_of``: the padded width (or the single row) rounded up;
    - ``padding_side="left"`` (``--padding_side``): unpacked rows are padded on the left, with
      ``position_ids`` counting from each row's first token.
    """
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is None:
        pad = getattr(tokenizer, "eos_token_id", None)
    if pad is None:
        pad = 0
    return DataCollator(int(pad), padding_free=padding_free, pad_to_multiple_of=pad_to_multiple_of,
                        padding_side=padding_side)
