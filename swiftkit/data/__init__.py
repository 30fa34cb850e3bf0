"""The dataset pipeline: files and registered datasets in, tokenized ``datasets.Dataset`` out.

Public API (this module stays light: ``datasets``, ``numpy`` and ``torch`` are imported inside
the functions)::

    data = prepare_datasets(dataset=["train.jsonl#500", "alpaca-gpt4-data-en"], registry=registry,
                            template=template, tokenizer=tokenizer, max_length=2048)
    data.train      # datasets.Dataset: input_ids, labels, length (+ position_ids when packed)
    data.val        # the same, or None
    data.report     # DataReport: rows read / skipped (first reasons) / dropped / truncated, token stats
    collate = make_collator(tokenizer, padding_free=False)

See :mod:`swiftkit.data.pipeline` for the steps, :mod:`swiftkit.data.sources` for the
``--dataset`` syntax, :mod:`swiftkit.data.collator` for how packed samples are kept apart.
"""

from __future__ import annotations

from swiftkit.core.data.errors import DatasetError, DatasetRowError

# The modules below import datasets/numpy/torch only inside their functions.
from swiftkit.data.collator import make_collator
from swiftkit.data.pipeline import PreparedData, prepare_datasets
from swiftkit.data.report import DataReport, SkippedRow, SourceReport, TokenStats

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
