"""The dataset pipeline: files and registered datasets in, tokenized ``datasets.Dataset`` out.

Public API (this module stays light: ``datasets``, ``numpy`` and ``torch`` are imported inside
the functions)::

    data = prepare_datasets(dataset=["train.jsonl#500", "alpaca-gpt4-data-en"], registry=registry,
                            template=template, tokenizer=tokenizer, max_length=2048)
    data.train      # datasets.Dataset: input_ids, labels, length (+ position_ids when packed)
    data.val        # the same, or None
    data.report     # DataReport: rows read / skipped (first reasons) / dropped / truncated, token stats
    collate = make_collator(tokenizer, padding_free=False)

See :mod:`swiftkit.core.data.pipeline` for the steps, :mod:`swiftkit.core.data.sources` for the
``--dataset`` syntax, :mod:`swiftkit.core.data.collator` for how packed samples are kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swiftkit.core.data.errors import DatasetError, DatasetRowError
from swiftkit.core.data.report import DataReport, SkippedRow, SourceReport, TokenStats

if TYPE_CHECKING:
    from swiftkit.core.data.collator import DataCollator
    from swiftkit.core.registry import Registry

__all__ = [
    "DataReport",
    "DatasetError",
    "DatasetRowError",
    "PreparedData",
    "SkippedRow",
    "SourceReport",
    "TokenStats",
    "make_collator",
    "prepare_datasets",
]


@dataclass
class PreparedData:
    """The result of :func:`prepare_datasets`."""

    train: Any  #: datasets.Dataset
    val: Any  #: datasets.Dataset or None
    report: DataReport


def prepare_datasets(
    *,
    dataset: list[str] | str,
    val_dataset: list[str] | tuple[str, ...] | str = (),
    split_dataset_ratio: float = 0.0,
    registry: Registry | None = None,
    template: Any = None,
    tokenizer: Any = None,
    mode: str = "sft",
    max_length: int | None = None,
    truncation_strategy: str = "delete",
    loss_scale: str = "default",
    strict: bool = True,
    num_proc: int = 1,
    shuffle: bool = True,
    seed: int = 42,
    packing: bool = False,
    cache_dir: str | None = None,
    console: Any = None,
) -> PreparedData:
    """Load, validate, mix, split, tokenize (and optionally pack) datasets for training.

    - ``dataset`` / ``val_dataset``: local files (``.jsonl``, ``.json``, ``.csv``, ``.parquet``,
      ``.txt``), registered dataset ids/aliases/hub ids, or unregistered Hugging Face ids, each
      optionally ``NAME#N`` (sample N rows, seeded; more than there are repeats rows) and, for
      hub datasets, ``NAME:SUBSET[/SUBSET]``. Several are concatenated, then shuffled with
      ``seed`` when ``shuffle``.
    - ``split_dataset_ratio``: without ``val_dataset``, this share of the training rows (at
      least one) becomes the validation split (seeded).
    - ``mode``: ``"sft"`` (conversations; loss on the assistant replies as ``loss_scale`` says)
      or ``"pt"`` (plain text, every token; chat datasets are encoded by the template with
      every token trainable).
    - ``strict``: a malformed row raises :class:`DatasetRowError` (file, row, field); with
      ``False`` it is skipped, counted in the report, and the first 5 reasons kept and shown.
    - ``max_length`` / ``truncation_strategy``: ``"delete"`` drops longer rows, ``"left"`` /
      ``"right"`` cut tokens on that side; rows left with no label are dropped. All counted.
    - ``packing``: pack rows into ``max_length`` rows with ``position_ids`` restarting per sample.
    - ``num_proc``: worker processes for conversion and tokenization; results are cached by
      ``datasets`` (under ``cache_dir``, default its own cache) and reused by a repeated call.
    - ``console``: a rich console for progress bars and the report; ``None`` is quiet except
      for warnings about dropped rows, which go to the ``swiftkit.data`` logger.
    """
    from swiftkit.core.data.pipeline import prepare_datasets as _prepare

    return _prepare(
        dataset=dataset, val_dataset=val_dataset, split_dataset_ratio=split_dataset_ratio, registry=registry,
        template=template, tokenizer=tokenizer, mode=mode, max_length=max_length,
        truncation_strategy=truncation_strategy, loss_scale=loss_scale, strict=strict, num_proc=num_proc,
        shuffle=shuffle, seed=seed, packing=packing, cache_dir=cache_dir, console=console,
    )


def make_collator(tokenizer: Any, *, padding_free: bool = False, pad_to_multiple_of: int | None = None) -> DataCollator:
    """The batch collator for :func:`prepare_datasets` rows; see :mod:`swiftkit.core.data.collator`."""
    from swiftkit.core.data.collator import make_collator as _make

    return _make(tokenizer, padding_free=padding_free, pad_to_multiple_of=pad_to_multiple_of)
