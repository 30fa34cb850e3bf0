"""Dataset arguments: parse ms-swift's syntax, find the data, load it with ``datasets``.

An argument is ``NAME[:SUBSET[/SUBSET...]][#N]`` where NAME is

- a local file ``.jsonl``/``.json``/``.csv``/``.parquet``/``.txt`` (loaded with the ``json``,
  ``csv``, ``parquet`` or ``text`` builder of ``datasets``);
- a registered dataset (id, alias, Hugging Face or ModelScope id): a bundled file
  (``path="package:relative"``) or a hub dataset;
- an unregistered Hugging Face id ``owner/name``.

``#N`` samples N rows (more than the dataset has repeats it, as ms-swift does).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swiftkit.core.data.errors import DatasetError
from swiftkit.core.errors import NotFoundError

if TYPE_CHECKING:
    from datasets import Dataset

    from swiftkit.core.registry import Registry
    from swiftkit.core.specs import DatasetSpec

#: file suffix -> ``datasets`` builder
BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet", ".txt": "text"}

_ARG = re.compile(r"^(?P<name>.+?)(?:#(?P<n>\d+))?$", re.S)
_HUB_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")


@dataclass
class Source:
    """One resolved dataset argument."""

    arg: str  #: as given
    label: str  #: how messages name it: the path as given, or the registered id (+ subsets)
    kind: str  #: "file", "bundled" or "hub"
    path: str | None = None  #: local file (file and bundled)
    spec: DatasetSpec | None = None
    hub_id: str | None = None
    ms_id: str | None = None
    subsets: list[str] = field(default_factory=list)
    split: str = "train"
    sample: int | None = None
    format: str | None = None  #: from the spec; otherwise detected from the columns
    columns: dict[str, str] = field(default_factory=dict)  #: renames applied after loading


def parse_arg(arg: str) -> tuple[str, int | None]:
    """``"train.jsonl#100"`` -> ``("train.jsonl", 100)``."""
    text = arg.strip()
    if os.path.exists(text):  # a file whose name happens to end in #digits
        return text, None
    m = _ARG.match(text)
    if not m or not m.group("name"):
        raise DatasetError(f"cannot read the dataset argument {arg!r}; expected NAME, NAME#N or NAME:SUBSET#N")
    n = m.group("n")
    return m.group("name"), (int(n) if n is not None else None)


def _is_file_like(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in BUILDERS or (os.sep in name and not _HUB_ID.match(name))


def resolve(arg: str, registry: Registry) -> Source:
    """What ``arg`` names; raises :class:`DatasetError` naming a missing file or an unknown id."""
    name, sample = parse_arg(arg)
    if os.path.isdir(name):
        raise DatasetError(
            f"dataset {name!r} is a folder; pass its data files ({', '.join(sorted(BUILDERS))}) one by one"
        )
    if os.path.isfile(name):
        return _file_source(arg, name, name, sample)
    base, subsets = name, []
    if ("dataset", name) not in registry and ":" in name:
        head, _, tail = name.partition(":")
        if ("dataset", head) in registry:
            base, subsets = head, [s for s in tail.split("/") if s]
    if ("dataset", base) in registry:
        spec = registry.get("dataset", base).spec
        label = spec.id + (f":{'/'.join(subsets)}" if subsets else "")
        if spec.path:
            if subsets:
                raise DatasetError(f"dataset {spec.id!r} is a bundled file and has no subsets (asked for {subsets})")
            return Source(
                arg, label, "bundled", path=_bundled_path(spec), spec=spec, split=spec.split, sample=sample,
                format=spec.format, columns=dict(spec.columns),
            )
        return Source(
            arg, label, "hub", spec=spec, hub_id=spec.hf_id, ms_id=spec.ms_id,
            subsets=subsets or _default_subsets(spec), split=spec.split, sample=sample,
            format=spec.format, columns=dict(spec.columns),
        )
    if _is_file_like(name):
        raise DatasetError(f"dataset file not found: {os.path.abspath(name)}")
    if _HUB_ID.match(name.partition(":")[0]):  # an unregistered hub dataset, format detected from its columns
        hub_id, _, tail = name.partition(":")
        return Source(arg, name, "hub", hub_id=hub_id, subsets=[s for s in tail.split("/") if s], sample=sample)
    raise NotFoundError("dataset", name, registry.suggest("dataset", name), note=registry.broken_note("dataset", name))


def _file_source(arg: str, label: str, path: str, sample: int | None) -> Source:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in BUILDERS:
        raise DatasetError(
            f"{label}: unsupported file type {suffix or '(none)'!r}; use one of {', '.join(sorted(BUILDERS))}"
        )
    return Source(arg, label, "file", path=path, sample=sample)


def _default_subsets(spec: DatasetSpec) -> list[str]:
    # the first listed subset is the default one; "default" means the hub's only configuration
    if spec.subsets and spec.subsets[0] != "default":
        return [spec.subsets[0]]
    return []


def _bundled_path(spec: DatasetSpec) -> str:
    """The file of a bundled dataset (``"package:relative/path"``)."""
    import importlib.resources

    package, _, relative = (spec.path or "").partition(":")
    try:
        ref = importlib.resources.files(package).joinpath(relative)
    except ModuleNotFoundError as exc:
        raise DatasetError(f"dataset {spec.id!r}: package {package!r} of its file {spec.path!r} is not installed") from exc
    path = str(ref)
    if not os.path.isfile(path):
        raise DatasetError(f"dataset {spec.id!r}: its bundled file is missing: {path} (from {spec.path!r})")
    if os.path.splitext(path)[1].lower() not in BUILDERS:
        raise DatasetError(f"dataset {spec.id!r}: unsupported file type of {path}")
    return path


# ---------------------------------------------------------------------------------- loading


def load(source: Source, *, cache_dir: str | None = None) -> Dataset:
    """The raw rows of ``source`` as a :class:`datasets.Dataset` (columns renamed as its spec says)."""
    if source.kind in ("file", "bundled"):
        ds = _load_file(source, cache_dir)
    else:
        ds = _load_hub(source, cache_dir)
    renames = {old: new for old, new in source.columns.items() if old in ds.column_names and old != new}
    if renames:
        clash = sorted(set(renames.values()) & (set(ds.column_names) - set(renames)))
        if clash:
            ds = ds.remove_columns(clash)
        ds = ds.rename_columns(renames)
    return ds


def _load_file(source: Source, cache_dir: str | None) -> Dataset:
    import datasets

    path = os.path.abspath(source.path or "")
    builder = BUILDERS[os.path.splitext(path)[1].lower()]
    try:
        return datasets.load_dataset(builder, data_files={"train": path}, split="train", cache_dir=cache_dir)
    except Exception as exc:  # noqa: BLE001 - every loader failure becomes one clear message
        if builder == "json":
            return _load_json_python(source, path, exc)
        raise DatasetError(f"{source.label}: cannot read {path}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    while exc.__cause__ is not None and str(exc).startswith("An error occurred while generating"):
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"


def _load_json_python(source: Source, path: str, exc: BaseException) -> Dataset:
    """Arrow could not read the file: find the first line that is not JSON and name it."""
    import json

    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if stripped.startswith("["):  # one JSON array
        try:
            json.loads(text)
        except ValueError as err:
            raise DatasetError(f"{source.label}: invalid JSON at line {err.lineno}: {err.msg}") from err
    else:
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as err:
                raise DatasetError(f"{source.label} row {lineno}: invalid JSON: {err.msg} (column {err.colno})") from err
            if not isinstance(row, dict):
                raise DatasetError(f"{source.label} row {lineno}: must be a JSON object, got {type(row).__name__}")
    raise DatasetError(f"{source.label}: cannot read {path}: {_reason(exc)}") from exc


def _offline() -> bool:
    try:
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:
            return True
    except Exception:  # noqa: BLE001
        pass
    try:
        import datasets.config

        return bool(getattr(datasets.config, "HF_HUB_OFFLINE", False) or getattr(datasets.config, "HF_DATASETS_OFFLINE", False))
    except Exception:  # noqa: BLE001
        return False


_NETWORK_ERRORS = ("ConnectionError", "OfflineModeIsEnabled", "LocalEntryNotFoundError", "Timeout", "ConnectTimeout",
                   "ReadTimeout", "HfHubHTTPError", "ProxyError", "SSLError")


def _is_network_error(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        names = {c.__name__ for c in type(exc).__mro__}
        if names & set(_NETWORK_ERRORS) or "offline" in str(exc).lower() or "couldn't reach" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _load_hub(source: Source, cache_dir: str | None) -> Dataset:
    """Load a hub dataset with ``datasets.load_dataset`` (or ModelScope for a ModelScope-only one)."""
    import datasets

    subsets = source.subsets or [None]
    parts = []
    for subset in subsets:
        if source.hub_id:
            try:
                ds = datasets.load_dataset(source.hub_id, subset, split=source.split, cache_dir=cache_dir)
            except Exception as exc:  # noqa: BLE001
                raise _hub_error(source, source.hub_id, exc) from exc
        else:
            ds = _load_modelscope(source, subset)
        parts.append(ds)
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def _hub_error(source: Source, hub_id: str, exc: BaseException) -> DatasetError:
    what = f"dataset {source.label!r}" + (f" (hub id {hub_id!r})" if hub_id != source.label else "")
    if _offline() or _is_network_error(exc):
        return DatasetError(
            f"{what} is not available offline: it is not in the local datasets cache and the hub cannot be reached "
            f"({type(exc).__name__}). Download it where the hub is reachable (the datasets cache is "
            f"reused), or pass a local .jsonl/.json/.csv/.parquet file instead"
        )
    return DatasetError(f"{what}: cannot load from the Hugging Face hub: {_reason(exc)}")


def _load_modelscope(source: Source, subset: str | None) -> Any:
    import importlib.util

    if importlib.util.find_spec("modelscope") is None:
        raise DatasetError(
            f"dataset {source.label!r} is on ModelScope only ({source.ms_id!r}) and the 'modelscope' package is "
            "not installed; pip install modelscope, or pass a local file"
        )
    from modelscope import MsDataset  # type: ignore[import-not-found]

    try:
        ms = MsDataset.load(source.ms_id, subset_name=subset or "default", split=source.split)
        return ms.to_hf_dataset()
    except Exception as exc:  # noqa: BLE001
        raise _hub_error(source, source.ms_id or "", exc) from exc


def line_numbers(source: Source, rows: list[int]) -> dict[int, int]:
    """1-based record numbers -> numbers as in the file: the line number for ``.jsonl`` (blank
    lines are skipped by the loader), the record number otherwise."""
    out = {r: r for r in rows}
    path = source.path
    if not path or os.path.splitext(path)[1].lower() != ".jsonl" or not rows:
        return out
    wanted = set(rows)
    record = 0
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                record += 1
                if record in wanted:
                    out[record] = lineno
    return out
