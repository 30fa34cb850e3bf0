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

    #: the ids of the data layouts (:class:`~swiftkit.core.data.layout.DataLayout`, named by an
    #: objective's ``data_layout()``) this format's rows feed, or None for a plain conversation
    #: format (``messages``, ``sharegpt``, ...), which every layout with
    #: ``accepts_plain_formats`` takes (sft; pt too, reading the conversation as text). A
    #: plain-text format says ``("pt",)``, a preference format ``("preference",)``, a format
    #: made for a plugin's own layout that layout's id. Read before any row is converted, to
    #: pick a format and to refuse a dataset the objective cannot use with a message naming both.
    modes: tuple[str, ...] | None = None

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
