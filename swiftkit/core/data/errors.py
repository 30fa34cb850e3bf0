"""Errors of the dataset pipeline. Each names the dataset (file or registered id) and, for a
row, its number and the field."""

from __future__ import annotations

from swiftkit.core.errors import SwiftkitError


class DatasetError(SwiftkitError):
    """A dataset cannot be used as a whole: missing file, unknown layout, not available offline."""


class DatasetRowError(DatasetError):
    """One row is malformed (or cannot be encoded with the template).

    The message reads ``train.jsonl row 17: field 'conversations[1].from': unknown role 'robot'``;
    ``row`` is 1-based as in the file (the line number for ``.jsonl``, the record number
    otherwise, a CSV header not counted).
    """

    def __init__(self, source: str, row: int, field: str, reason: str):
        super().__init__(f"{source} row {row}: field {field!r}: {reason}")
        self.source = source
        self.row = row
        self.field = field
        self.reason = reason

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.source, self.row, self.field, self.reason))
