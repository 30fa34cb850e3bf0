"""Collators of the preference, kto and prompt data layouts
(:mod:`swiftkit.data.preference`). Picklable; they return torch tensors (imported inside).

- :func:`make_pair_collator`: ``chosen_input_ids`` / ``chosen_attention_mask`` /
  ``chosen_labels`` and the same ``rejected_*``, each right-padded (pad id, labels -100) to
  the widest row of its side;
- :func:`make_kto_collator`: ``input_ids`` / ``attention_mask`` / ``labels`` right-padded,
  ``label`` (bool tensor), and the same three tensors of mismatched rows under ``KL_*`` for
  KTO's KL estimate (see :class:`KTOCollator`);
- :func:`make_prompt_collator`: ``prompt_input_ids`` / ``prompt_attention_mask`` left-padded
  (ready for ``generate``), and every other column of the rows (``messages``, ``solution``,
  ...) passed through as lists for the reward functions.
"""

from __future__ import annotations

from typing import Any

from swiftkit.data.collator import IGNORE_INDEX, _as_list, _round_up


def _pad_id(tokenizer: Any) -> int:
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is None:
        pad = getattr(tokenizer, "eos_token_id", None)
    return 0 if pad is None else int(pad)


def _pad(rows: list[list[int]], value: int, width: int, *, left: bool = False) -> list[list[int]]:
    return [([value] * (width - len(r)) + r) if left else (r + [value] * (width - len(r))) for r in rows]


class _Base:
    def __init__(self, pad_token_id: int, *, pad_to_multiple_of: int | None = None):
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of

    def padded(self, torch: Any, ids: list[list[int]], labels: list[list[int]] | None, prefix: str,
               *, left: bool = False) -> dict[str, Any]:
        width = _round_up(max((len(r) for r in ids), default=0), self.pad_to_multiple_of)
        out = {
            f"{prefix}input_ids": torch.tensor(_pad(ids, self.pad_token_id, width, left=left), dtype=torch.long),
            f"{prefix}attention_mask": torch.tensor(_pad([[1] * len(r) for r in ids], 0, width, left=left), dtype=torch.long),
        }
        if labels is not None:
            out[f"{prefix}labels"] = torch.tensor(_pad(labels, IGNORE_INDEX, width, left=left), dtype=torch.long)
        return out


class PairCollator(_Base):
    """Pairs -> ``chosen_*`` and ``rejected_*`` tensors (right padding, labels -100)."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        batch: dict[str, Any] = {}
        for side in ("chosen", "rejected"):
            ids = [_as_list(f[f"{side}_input_ids"]) for f in features]
            labels = [_as_list(f[f"{side}_labels"]) for f in features]
            batch.update(self.padded(torch, ids, labels, f"{side}_"))
        return batch


def split_reply(ids: list[int], labels: list[int]) -> int:
    """Where a ``kto`` row's completion starts: its first labelled token (the encoding labels
    only the final reply, :mod:`swiftkit.data.preference`), else its end."""
    return next((i for i, x in enumerate(labels) if x != IGNORE_INDEX), len(ids))


class KTOCollator(_Base):
    """KTO rows -> ``input_ids`` / ``attention_mask`` / ``labels`` (right padding), ``label``,
    and with ``kl`` the ``KL_input_ids`` / ``KL_attention_mask`` / ``KL_labels`` of mismatched
    rows: row i's prompt with row i+1's completion (mod the batch size), labels on that
    completion, as TRL's KTO collator and the KTO paper estimate the reference point.

    A batch of one row has no other completion in it: it borrows the completion of the
    previous batch's last row (ms-swift draws KL completions from the whole global batch, so
    ``--per_device_train_batch_size 1`` works there too); the very first such batch carries no
    ``KL_*`` tensors. ``max_length`` cuts KL rows on the right (they can be longer than either row).
    """

    def __init__(self, pad_token_id: int, *, pad_to_multiple_of: int | None = None, kl: bool = True,
                 max_length: int | None = None):
        super().__init__(pad_token_id, pad_to_multiple_of=pad_to_multiple_of)
        self.kl = kl
        self.max_length = max_length
        self._previous: tuple[list[int], list[int]] | None = None

    def kl_rows(self, ids: list[list[int]], labels: list[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
        """The mismatched rows of a batch (empty lists when there is none to build)."""
        splits = [split_reply(i, lab) for i, lab in zip(ids, labels, strict=True)]
        completions = [(i[k:], lab[k:]) for i, lab, k in zip(ids, labels, splits, strict=True)]
        if len(ids) > 1:
            partners = completions[1:] + completions[:1]
        elif self._previous is not None:
            partners = [self._previous]
        else:
            partners = []
        self._previous = completions[-1] if completions else self._previous
        kl_ids, kl_labels = [], []
        for i, (c_ids, c_labels) in enumerate(partners):
            k = splits[i]
            row_ids, row_labels = ids[i][:k] + c_ids, [IGNORE_INDEX] * k + c_labels
            if self.max_length is not None:
                row_ids, row_labels = row_ids[: self.max_length], row_labels[: self.max_length]
            kl_ids.append(row_ids)
            kl_labels.append(row_labels)
        return kl_ids, kl_labels

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids = [_as_list(f["input_ids"]) for f in features]
        labels = [_as_list(f["labels"]) for f in features]
        batch = self.padded(torch, ids, labels, "")
        batch["label"] = torch.tensor([bool(f["label"]) for f in features], dtype=torch.bool)
        if self.kl:
            kl_ids, kl_labels = self.kl_rows(ids, labels)
            if kl_ids:
                batch.update(self.padded(torch, kl_ids, kl_labels, "KL_"))
        return batch


class PromptCollator(_Base):
    """Prompt rows -> left-padded ``prompt_input_ids`` / ``prompt_attention_mask``; the other
    columns as lists (one value per row)."""

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids = [_as_list(f["prompt_input_ids"]) for f in features]
        batch = self.padded(torch, ids, None, "prompt_", left=True)
        for key in features[0] if features else ():
            if key not in ("prompt_input_ids", "length"):
                batch[key] = [f.get(key) for f in features]
        return batch


def make_pair_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None) -> PairCollator:
    """The collator for ``preference`` rows (pad id: the tokenizer's, else its eos id)."""
    return PairCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of)


def make_kto_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None, kl: bool = True,
                      max_length: int | None = None) -> KTOCollator:
    """The collator for ``kto`` rows; ``kl=False`` leaves out the ``KL_*`` rows (KTO's
    ``apo_zero_unpaired`` needs none), ``max_length`` cuts them (the run's ``--max_length``)."""
    return KTOCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of, kl=kl, max_length=max_length)


def make_prompt_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None) -> PromptCollator:
    """The collator for ``prompt`` rows (left padding, for generation)."""
    return PromptCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of)
