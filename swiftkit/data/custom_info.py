"""``--custom_dataset_info``: datasets registered for one run from JSON files.

The file is ms-swift's ``dataset_info.json`` shape: a list (or one object) of entries, each
naming its data by ``dataset_path`` (a local file, relative to the JSON file), ``hf_dataset_id``
or ``ms_dataset_id``, optionally with ``dataset_name`` (another name for ``--dataset``),
``columns`` (renames, e.g. ``{"question": "query"}``), ``split`` and ``subsets``. ``--dataset``
then accepts any of the entry's names. A malformed entry is an error naming the file and entry.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.data.errors import DatasetError

_KEYS = {"dataset_name", "dataset_path", "hf_dataset_id", "ms_dataset_id", "columns", "split", "subsets", "tags"}


@dataclass
class CustomDataset:
    """One entry of a custom dataset_info file."""

    id: str
    path: str | None = None
    hf_id: str | None = None
    ms_id: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    split: str = "train"
    subsets: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        return [n for n in (self.id, self.path, self.hf_id, self.ms_id) if n]

    def source(self, arg: str, sample: int | None) -> Any:
        from swiftkit.data.sources import BUILDERS, Source

        if self.path:
            if os.path.splitext(self.path)[1].lower() not in BUILDERS:
                raise DatasetError(f"dataset {self.id!r}: unsupported file type of {self.path}; use one of "
                                   f"{', '.join(sorted(BUILDERS))}")
            if not os.path.isfile(self.path):
                raise DatasetError(f"dataset {self.id!r}: its file is missing: {self.path}")
            return Source(arg, self.id, "file", path=self.path, sample=sample, columns=dict(self.columns))
        return Source(arg, self.id, "hub", hub_id=self.hf_id, ms_id=self.ms_id, subsets=list(self.subsets),
                      split=self.split, sample=sample, columns=dict(self.columns))


def _entry(item: Any, where: str, folder: str) -> CustomDataset:
    if not isinstance(item, dict):
        raise DatasetError(f"{where}: must be a JSON object, got {type(item).__name__}")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise DatasetError(f"{where}: unknown key(s) {', '.join(unknown)}; expected some of {', '.join(sorted(_KEYS))}")
    path, hf_id, ms_id = item.get("dataset_path"), item.get("hf_dataset_id"), item.get("ms_dataset_id")
    if not (path or hf_id or ms_id):
        raise DatasetError(f"{where}: names no data: give dataset_path, hf_dataset_id or ms_dataset_id")
    columns = item.get("columns") or {}
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise DatasetError(f"{where}: columns must map column names to column names, got {columns!r}")
    if path:
        path = os.path.normpath(os.path.join(folder, os.path.expanduser(path)))
    return CustomDataset(id=item.get("dataset_name") or path or hf_id or ms_id, path=path, hf_id=hf_id, ms_id=ms_id,
                         columns=dict(columns), split=item.get("split") or "train",
                         subsets=list(item.get("subsets") or []), tags=list(item.get("tags") or []))


def read_custom_info(paths: list[str] | None) -> dict[str, CustomDataset]:
    """Every entry of the files, by each of its names (lower-cased)."""
    out: dict[str, CustomDataset] = {}
    for file in paths or []:
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise DatasetError(f"--custom_dataset_info {file}: cannot read it ({exc.strerror})") from exc
        except ValueError as exc:
            raise DatasetError(f"--custom_dataset_info {file}: not valid JSON: {exc}") from exc
        items = data if isinstance(data, list) else [data]
        folder = os.path.dirname(os.path.abspath(file))
        for i, item in enumerate(items):
            entry = _entry(item, f"--custom_dataset_info {file} entry {i + 1}", folder)
            for name in entry.names():
                out[name.lower()] = entry
    return out
