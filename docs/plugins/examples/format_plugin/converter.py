"""The ``qa-pairs`` row converter (behaviour; the standard library is all it needs)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.interface import RowConverter
from swiftkit.core.errors import RowError


def _text(row: dict[str, Any], field: str, *, required: bool) -> str | None:
    value = row.get(field)
    if value is None or value == "":
        if required:
            raise RowError(field, "missing" if field not in row else "is empty")
        return None
    if not isinstance(value, str):
        raise RowError(field, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise RowError(field, "is blank")
    return value


class QAPairsConverter(RowConverter):
    """``{"question", "answer", "context"?}`` -> ``{"messages": [system?, user, assistant]}``.

    A malformed row raises :class:`~swiftkit.core.errors.RowError` naming the field; the data
    pipeline adds the file and row number (or skips and counts the row with ``--strict false``).
    """

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        question = _text(row, "question", required=True)
        answer = _text(row, "answer", required=True)
        context = _text(row, "context", required=False)
        messages = [{"role": "system", "content": context}] if context else []
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        return {"messages": messages}
