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

    def __init__(self, spec: FormatSpec):
        self.spec = spec

    def matches(self, columns: Iterable[str]) -> bool:
        """Whether rows with these columns are in this format."""
        return set(self.spec.columns) <= set(columns)

    @abstractmethod
    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        """Return the canonical conversation for one row."""
