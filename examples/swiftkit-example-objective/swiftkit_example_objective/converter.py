"""The ``triplets`` format's converter: three non-empty texts per row."""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.interface import RowConverter
from swiftkit.core.errors import RowError

FIELDS = ("anchor", "positive", "negative")


class TripletConverter(RowConverter):
    """``{"anchor", "positive", "negative"}`` -> the same three strings, checked."""

    #: the data layouts this format feeds
    modes = ("triplet",)

    def convert(self, row: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name in FIELDS:
            value = row.get(name)
            if value is None:
                # a JSON Lines row without the key reads as null (the file's other rows have it)
                raise RowError(name, "missing (every row needs anchor, positive and negative)")
            if not isinstance(value, str):
                raise RowError(name, f"must be a string, got {type(value).__name__}")
            if not value.strip():
                raise RowError(name, "empty text")
            out[name] = value
        return out
