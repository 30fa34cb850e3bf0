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
  ``media`` ...) passed through as lists for the reward functions and the rollout's requests.

Rows with media (their ``media`` column, :mod:`swiftkit.data.pair_media`): the pair and KTO
collators take a :class:`~swiftkit.data.pair_media.MediaBatcher`, which decodes and processes
each row's media once; the model inputs go under ``media_inputs``, laid out for the sequences
the objective runs: a pair's chosen then rejected rows (both sides padded to one width, the
same pixels for both), a KTO batch's rows and, under ``KL_media_inputs``, its KL rows (row
``i``'s prompt, hence its media). A collator without a batcher refuses rows with media.
"""

from __future__ import annotations

from typing import Any

from swiftkit.data.collator import IGNORE_INDEX, _as_list, _round_up
from swiftkit.data.pair_media import MEDIA_COLUMN, has_media


def _pad_id(tokenizer: Any) -> int:
    pad = getattr(tokenizer, "pad_token_id", None)
    if pad is None:
        pad = getattr(tokenizer, "eos_token_id", None)
    return 0 if pad is None else int(pad)


def _pad(rows: list[list[int]], value: int, width: int, *, left: bool = False) -> list[list[int]]:
    return [([value] * (width - len(r)) + r) if left else (r + [value] * (width - len(r))) for r in rows]


class _Base:
    def __init__(self, pad_token_id: int, *, pad_to_multiple_of: int | None = None, media: Any = None):
        self.pad_token_id = pad_token_id
        self.pad_to_multiple_of = pad_to_multiple_of
        self.media = media  #: a MediaBatcher, or None (rows with media are refused)

    def media_rows(self, features: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Each row's processed media (once per row), or ``None`` when no row has media."""
        if not has_media(features):
            return None
        if self.media is None:
            from swiftkit.core.errors import SwiftkitError

            raise SwiftkitError(f"{type(self).__name__}: the rows have media (images, videos or audios) but this "
                                "objective's collator was made without the run's template; it cannot train on media")
        return self.media.row_inputs([f.get(MEDIA_COLUMN) for f in features])

    def padded(self, torch: Any, ids: list[list[int]], labels: list[list[int]] | None, prefix: str,
               *, left: bool = False, width: int | None = None) -> dict[str, Any]:
        width = _round_up(max((len(r) for r in ids), default=0) if width is None else width, self.pad_to_multiple_of)
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
        media = self.media_rows(features)
        # with media both sides share one width: the media inputs are laid out for the
        # concatenated chosen + rejected batch the objective runs
        width = None if media is None else max(
            len(_as_list(f[f"{s}_input_ids"])) for f in features for s in ("chosen", "rejected"))
        for side in ("chosen", "rejected"):
            ids = [_as_list(f[f"{side}_input_ids"]) for f in features]
            labels = [_as_list(f[f"{side}_labels"]) for f in features]
            batch.update(self.padded(torch, ids, labels, f"{side}_", width=width))
        if media is not None:
            both = torch.cat([batch["chosen_input_ids"], batch["rejected_input_ids"]], 0)
            batch["media_inputs"] = self.media.collate(media + media, both)  # one pixel computation, two sequences
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
                 max_length: int | None = None, media: Any = None):
        super().__init__(pad_token_id, pad_to_multiple_of=pad_to_multiple_of, media=media)
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
        media = self.media_rows(features)
        if media is not None:
            batch["media_inputs"] = self.media.collate(media, batch["input_ids"])
        if self.kl:
            kl_ids, kl_labels = self.kl_rows(ids, labels)
            if kl_ids:
                batch.update(self.padded(torch, kl_ids, kl_labels, "KL_"))
                if media is not None:  # KL row i is row i's prompt: its media
                    batch["KL_media_inputs"] = self.media.collate(media[: len(kl_ids)], batch["KL_input_ids"])
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


def make_pair_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None, media: Any = None) -> PairCollator:
    """The collator for ``preference`` rows (pad id: the tokenizer's, else its eos id);
    ``media``: a :class:`~swiftkit.data.pair_media.MediaBatcher` for rows with media."""
    return PairCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of, media=media)


def make_kto_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None, kl: bool = True,
                      max_length: int | None = None, media: Any = None) -> KTOCollator:
    """The collator for ``kto`` rows; ``kl=False`` leaves out the ``KL_*`` rows (KTO's
    ``apo_zero_unpaired`` needs none), ``max_length`` cuts them (the run's ``--max_length``);
    ``media`` as for :func:`make_pair_collator`."""
    return KTOCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of, kl=kl, max_length=max_length,
                       media=media)


def make_prompt_collator(tokenizer: Any, *, pad_to_multiple_of: int | None = None) -> PromptCollator:
    """The collator for ``prompt`` rows (left padding, for generation)."""
    return PromptCollator(_pad_id(tokenizer), pad_to_multiple_of=pad_to_multiple_of)
