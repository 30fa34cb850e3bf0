"""What a dataset format's ``converter`` reference must implement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import FormatSpec


class RowConverter(ABC):
    """Turns rows of one format into the canonical conversation.

    The canonical form is a dict ``{"messages": [{"role", "content"}, ...]}`` with roles
    ``system``, ``user``, ``assistant`` and ``tool``. A malformed row raises
    :class:`swiftkit.core.errors.RowError` naming the field; the pipeline adds file and row
    number. Converters never drop rows silently.
    """

    #: the data-pipeline modes (``prepare_datasets(mode=...)``, an objective's row layout) this
    #: format's rows serve: conversations serve ``sft`` and ``pt``; a preference format
    #: (``chosen``/``rejected``) serves ``preference`` only. The pipeline reads it before
    #: converting, to refuse a dataset the objective cannot use with a message naming both.
    modes: tuple[str, ...] = ("sft", "pt")

    def __init__(self, spec: FormatSpec):
        self.spec = spec

    def matches(self, columns: Iterable[str]) -> bool:
        """Whether rows with these columns are in this format.

        Called once per dataset file (on its column names, before any row is read) to pick the
        format when the dataset names none; the first matching format in registration order
        wins. The default: every column of ``spec.columns`` is present. Must not read rows."""
        return set(self.spec.columns) <= set(columns)

    @abstractmethod
    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        """Return the canonical conversation for one row.

        Called once per row, possibly in worker processes (``--dataset_num_proc``): keep no state
        between calls. Must not modify ``row``; raise :class:`~swiftkit.core.errors.RowError`
        naming the field for a malformed row (the pipeline adds file and row number); never drop
        a row silently."""
