"""The contract of a data layout: what rows an objective trains on, and how they become batches.

An :class:`~swiftkit.core.methods.interface.Objective` names its layout with
``Objective.data_layout()``; the data pipeline (:func:`swiftkit.data.prepare_datasets`) and the
training run ask the layout, never a list of known modes:

1. **formats** -- :meth:`DataLayout.accepts` says which registered dataset formats (their
   :class:`~swiftkit.core.data.interface.RowConverter`) can feed the layout; detection tries
   formats that name the layout in their converter's ``modes`` first, then plain ones;
2. **convert** -- :meth:`DataLayout.convert` turns one raw row, through the format's converter,
   into the layout's canonical row (columns :meth:`DataLayout.converted_features`);
3. **encode** -- :meth:`DataLayout.encode` tokenizes one canonical row into an
   :class:`EncodedRow` (columns :meth:`DataLayout.encoded_features`), applying ``max_length``;
   the pipeline calls it through :meth:`DataLayout.encode_batch`, a batch of rows at a time;
4. **batch** -- :meth:`DataLayout.make_collator` stacks encoded rows into the tensors the
   objective's ``compute_loss`` reads.

The pipeline does the bookkeeping around steps 2 and 3 (file and row numbers, cached
``datasets.map`` calls, counting and reporting what is dropped). A layout signals per row:

- :class:`~swiftkit.core.errors.RowError` (field, reason): a malformed row -- an error naming
  file, row and field (skipped and counted with ``strict=False``);
- :class:`RowTooLong`: over ``max_length`` under the ``delete`` strategy -- dropped, counted;
- :class:`RowHasNoLabels`: nothing left to train on -- dropped, counted.

Layouts are plain objects (no heavy import at module level; ``datasets`` / ``torch`` inside the
methods) and must be picklable: the pipeline hands them to ``datasets.map`` worker processes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DataLayout", "EncodeSettings", "EncodedRow", "RowHasNoLabels", "RowTooLong"]


class RowTooLong(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :meth:`DataLayout.encode`: the row exceeds ``max_length`` and the strategy is
    ``delete``; the row is dropped and counted in the report's ``too_long``."""


class RowHasNoLabels(Exception):  # noqa: N818 - a signal, not an error
    """Raised by :meth:`DataLayout.encode`: no token of the row is trained on (after
    truncation); the row is dropped and counted in the report's ``no_labels``."""


@dataclass(frozen=True)
class EncodeSettings:
    """What :meth:`DataLayout.encode` gets besides the row (the same for every row of a run)."""

    template: Any  #: the bound :class:`~swiftkit.core.templates.interface.Template`, or None
    tokenizer: Any
    max_length: int | None = None
    truncation_strategy: str = "delete"  #: "delete" | "left" | "right"
    loss_scale: str = "default"


@dataclass
class EncodedRow:
    """One encoded row: the layout's columns and what the pipeline reports about it."""

    columns: dict[str, Any]  #: one value per column of :meth:`DataLayout.encoded_features`
    length: int  #: tokens in the row (the ``length`` column: statistics, packing)
    trainable: int = 0  #: tokens that carry a loss (statistics only)
    truncated: bool = False  #: cut to ``max_length`` (counted in the report)
    extra: dict[str, Any] = field(default_factory=dict)  #: unused by the pipeline; free for layouts


class DataLayout(ABC):
    """The rows one kind of objective trains on. See the module docstring for the flow.

    Subclass it, set :attr:`id`, implement :meth:`convert`, :meth:`encode`,
    :meth:`converted_features`, :meth:`encoded_features` and :meth:`make_collator`, and return
    an instance from your objective's ``data_layout()``.
    """

    #: the layout's identity: named in messages and in the converters' ``modes``, and part of
    #: every cache key (with :attr:`version` and the source of the layout's class)
    id: str = ""

    #: bump when :meth:`convert` or :meth:`encode` give other output for the same input
    version: str = "1"

    #: whether :meth:`encode` needs the chat template (``prepare_datasets`` refuses to run without one)
    needs_template: bool = True

    #: whether encoded rows (``input_ids``/``labels``) may be packed into ``max_length`` rows
    packable: bool = False

    #: whether converters that declare no ``modes`` (the plain conversation formats:
    #: messages, sharegpt, alpaca ...) feed this layout
    accepts_plain_formats: bool = False

    # ------------------------------------------------------------------ formats

    def accepts(self, format_id: str, converter: Any) -> bool:
        """Whether rows of format ``format_id`` (its converter ``converter``) can feed this layout.

        Default: the converter's ``modes`` (ids of the layouts it feeds) name :attr:`id`; a
        converter without ``modes`` feeds the layout when :attr:`accepts_plain_formats`.
        Override to accept formats by id (``return format_id in {...}``)."""
        modes = self.format_modes(converter)
        return self.id in modes if modes is not None else self.accepts_plain_formats

    def detects(self, format_id: str, converter: Any) -> bool:
        """Whether format detection considers this format (default: :meth:`accepts`). A layout
        may detect a format it then refuses, to say why (sft and plain text files)."""
        return self.accepts(format_id, converter)

    @staticmethod
    def format_modes(converter: Any) -> tuple[str, ...] | None:
        """The layout ids a converter declares it feeds (its ``modes``), or None for a plain one."""
        modes = converter.modes
        return tuple(modes) if modes is not None else None

    def refusal(self, format_id: str, converter: Any) -> str:
        """Why rows of ``format_id`` cannot feed this layout (when :meth:`accepts` is False);
        the pipeline puts the source in front."""
        modes = self.format_modes(converter)
        what = " / ".join(modes) if modes else "conversation"
        return f"format {format_id!r} is for {what} data, not {self.id!r}"

    def prefers(self, format_id: str, converter: Any) -> bool:
        """Whether format detection tries this format before the others it accepts (default:
        the converter names this layout in its ``modes``)."""
        return self.id in (self.format_modes(converter) or ())

    # ------------------------------------------------------------------ rows

    @abstractmethod
    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        """The columns of a converted row as ``{name: datasets feature}`` (``raw_features``:
        the source's ``datasets.Features``, for layouts that keep some raw columns)."""

    @abstractmethod
    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        """One raw row -> the canonical row (a value for each converted column), usually
        ``converter.convert(row)`` checked for the keys this layout needs. Raise
        :class:`~swiftkit.core.errors.RowError` naming the field for a malformed row."""

    def consumes(self, converted_columns: list[str]) -> list[str]:
        """The converted columns the encode step replaces (the others stay in the rows next to
        the encoded columns). Default: all of them."""
        return list(converted_columns)

    @abstractmethod
    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        """The columns :meth:`encode` returns, as ``{name: datasets feature}``."""

    @abstractmethod
    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        """Tokenize one canonical row. Raise :class:`~swiftkit.core.errors.RowError` (a bad
        row), :class:`RowTooLong` or :class:`RowHasNoLabels` (dropped and counted)."""

    def encode_batch(self, rows: list[dict[str, Any]], settings: EncodeSettings) -> list[EncodedRow | Exception]:
        """Tokenize a batch of canonical rows: for each row, in order, the :class:`EncodedRow`
        :meth:`encode` returns or the exception it raises (one bad row does not cost the others).

        Called by the pipeline once per ``datasets`` batch (about 1,000 rows), possibly in worker
        processes (``--dataset_num_proc``). The default calls :meth:`encode` row by row; override
        it to tokenize the batch at once (the sft and pt layouts hand their conversations to
        :meth:`Template.encode_many <swiftkit.core.templates.interface.Template.encode_many>`:
        one tokenizer call per batch). Must give what :meth:`encode` gives row by row; may raise
        only for what is wrong with every row (a :class:`~swiftkit.core.errors.ChatTemplateError`);
        another exception raised here makes the pipeline encode that batch row by row.
        """
        out: list[EncodedRow | Exception] = []
        for row in rows:
            try:
                out.append(self.encode(row, settings))
            except Exception as exc:  # noqa: BLE001 - handed back per row, as documented
                out.append(exc)
        return out

    # ------------------------------------------------------------------ batches

    @abstractmethod
    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        """A picklable callable: a list of encoded rows -> the batch ``compute_loss`` reads.
        ``config`` is the run configuration (``padding_free``, ``max_length`` ...)."""

    def fingerprint(self) -> list[Any]:
        """What identifies this layout's output in cache keys (default: id and version; the
        pipeline adds the source of the layout's classes)."""
        return [self.id, self.version]
