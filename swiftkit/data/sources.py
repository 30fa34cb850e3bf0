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
from collections.abc import Mapping
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

#: rows nested deeper are malformed (a chat row nests about 4 levels; Python's JSON reader stops near 1000)
MAX_DEPTH = 100

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
    #: set by :func:`load` when the file had to be read row by row (:func:`_read_json_rows`):
    #: records that are not rows (invalid JSON, not an object), as ``(line, field, reason)``
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)
    #: ... the line (record) number in the file of each loaded row, when rows were left out
    lines: list[int] | None = None
    #: ... columns held as JSON text because arrow cannot type them (mixed types per row);
    #: the convert step decodes them (:class:`swiftkit.data.steps.ConvertRows`)
    json_columns: tuple[str, ...] = ()


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


def resolve(arg: str, registry: Registry, *, custom: Mapping[str, Any] | None = None) -> Source:
    """What ``arg`` names; raises :class:`DatasetError` naming a missing file or an unknown id.
    ``custom``: datasets registered for this run (``--custom_dataset_info``), by lower-cased name;
    they win over the registry."""
    name, sample = parse_arg(arg)
    own = (custom or {}).get(name.strip().lower())
    if own is not None:  # a swiftkit.data.custom_info.CustomDataset
        return own.source(arg, sample)
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
        return _spec_source(arg, spec.id + (f":{'/'.join(subsets)}" if subsets else ""), spec, subsets, sample)
    if _is_file_like(name):
        raise DatasetError(f"dataset file not found: {os.path.abspath(name)}")
    if _HUB_ID.match(name.partition(":")[0]):  # an unregistered hub dataset, format detected from its columns
        hub_id, _, tail = name.partition(":")
        return Source(arg, name, "hub", hub_id=hub_id, subsets=[s for s in tail.split("/") if s], sample=sample)
    raise NotFoundError("dataset", name, registry.suggest("dataset", name), note=registry.broken_note("dataset", name))


def _spec_source(arg: str, label: str, spec: DatasetSpec, subsets: list[str], sample: int | None) -> Source:
    if spec.generator:
        return Source(
            arg, label, "bundled", path=_generated_path(spec, subsets), spec=spec, split=spec.split, sample=sample,
            format=spec.format, columns=dict(spec.columns),
        )
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


def _generated_path(spec: DatasetSpec, subsets: list[str]) -> str:
    """The data file a generated dataset's ``generator`` writes (or finds) in its cache folder."""
    from swiftkit.core.lazy import resolve
    from swiftkit.core.plugins import cache_dir

    if len(subsets) > 1:
        raise DatasetError(f"dataset {spec.id!r} is generated one subset at a time (asked for {subsets})")
    subset = subsets[0] if subsets else (spec.subsets[0] if spec.subsets else "")
    if spec.subsets and subset not in spec.subsets:
        raise DatasetError(f"dataset {spec.id!r} has no subset {subset!r}; its subsets: {', '.join(spec.subsets)}")
    folder = os.path.join(cache_dir(), "datasets", spec.id)
    try:
        path = str(resolve(spec.generator or "", "collections.abc:Callable")(folder, subset))
    except DatasetError:
        raise
    except Exception as exc:  # the plugin's generator failed: name it
        raise DatasetError(f"dataset {spec.id!r}: its generator {spec.generator!r} failed: "
                           f"{type(exc).__name__}: {exc}") from exc
    if not os.path.isfile(path) or os.path.splitext(path)[1].lower() not in BUILDERS:
        raise DatasetError(f"dataset {spec.id!r}: its generator returned {path!r}, not a data file "
                           f"({', '.join(sorted(BUILDERS))})")
    return path


def _bundled_path(spec: DatasetSpec) -> str:
    """The file of a bundled dataset (``"package:relative/path"``)."""
    import importlib.resources

    package, _, relative = (spec.path or "").partition(":")
    try:
        ref = importlib.resources.files(package).joinpath(relative)
    except ModuleNotFoundError as exc:
        raise DatasetError(f"dataset {spec.id!r}: package {package!r} of its file {spec.path!r} is not installed") from exc
    except TypeError:  # a plain module (an --external_plugins file): the file sits beside it
        import importlib.util

        origin = importlib.util.find_spec(package).origin or ""
        ref = os.path.join(os.path.dirname(origin), relative)
    path = str(ref)
    if not os.path.isfile(path):
        raise DatasetError(f"dataset {spec.id!r}: its bundled file is missing: {path} (from {spec.path!r})")
    if os.path.splitext(path)[1].lower() not in BUILDERS:
        raise DatasetError(f"dataset {spec.id!r}: unsupported file type of {path}")
    return path


# ---------------------------------------------------------------------------------- loading


def load(source: Source, *, cache_dir: str | None = None, hub: Mapping[str, Any] | None = None,
         download_mode: str | None = None, columns: Mapping[str, str] | None = None) -> Dataset:
    """The raw rows of ``source`` as a :class:`datasets.Dataset` (columns renamed as its spec says,
    then as ``columns``, the run's ``--columns``, says).
    ``hub``: the run's ``use_hf`` / ``hub_token`` (which hub a hub dataset comes from);
    ``download_mode``: ``datasets.load_dataset``'s (``force_redownload`` prepares the data again)."""
    options = {"download_mode": download_mode} if download_mode else {}
    if source.kind in ("file", "bundled"):
        ds = _load_file(source, cache_dir, options)
    else:
        ds = _load_hub(source, cache_dir, hub or {}, options)
    source.columns = {**source.columns, **(columns or {})}
    renames = {old: new for old, new in source.columns.items() if old in ds.column_names and old != new}
    if renames:
        clash = sorted(set(renames.values()) & (set(ds.column_names) - set(renames)))
        if clash:
            ds = ds.remove_columns(clash)
        ds = ds.rename_columns(renames)
        source.json_columns = tuple(renames.get(c, c) for c in source.json_columns if c not in clash)
    return ds


def _load_file(source: Source, cache_dir: str | None, options: dict[str, Any] | None = None) -> Dataset:
    import datasets

    path = os.path.abspath(source.path or "")
    builder = BUILDERS[os.path.splitext(path)[1].lower()]
    if os.path.getsize(path) == 0:
        raise DatasetError(f"{source.label}: the file is empty (0 bytes): {path}")
    try:
        # CSV cells are text as written: pandas would read "None", "NA", "N/A", "null" ... as missing
        extra = {"keep_default_na": False} if builder == "csv" else {}
        ds = datasets.load_dataset(builder, data_files={"train": path}, split="train", cache_dir=cache_dir,
                                   **extra, **(options or {}))
    except Exception as exc:  # noqa: BLE001 - every loader failure becomes one clear message
        if builder == "json":
            return _read_json_rows(source, path)
        if "corresponds to no data" in str(exc) or _parquet_rows(path) == 0:
            raise DatasetError(f"{source.label}: no rows in {path}" + (" (only a header)" if builder == "csv" else "")) from exc
        raise DatasetError(f"{source.label}: cannot read {path}: {_reason(exc)}") from exc
    if len(ds) == 0:
        raise DatasetError(f"{source.label}: no rows in {path}")
    return ds


def _parquet_rows(path: str) -> int | None:
    """The row count a parquet file's metadata states (``None``: not a readable parquet file)."""
    if not path.lower().endswith(".parquet"):
        return None
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - the loader's own error is reported instead
        return None


def _reason(exc: BaseException) -> str:
    while exc.__cause__ is not None and str(exc).startswith("An error occurred while generating"):
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"


def _read_json_rows(source: Source, path: str) -> Dataset:
    """Arrow could not read the JSON file: read it with Python, record by record.

    A ``.jsonl`` line that is not JSON, or a record that is not a JSON object, becomes an
    entry of ``source.bad_rows`` (the pipeline raises or skips and counts it, as a malformed
    row); the other records are loaded. Bytes that are not UTF-8 are kept as lone surrogates
    (the convert step names the field holding them). A column arrow cannot type (its values
    differ in type from row to row) is kept as JSON text and listed in ``source.json_columns``.
    """
    import json

    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8", errors="surrogateescape")
    source.bad_rows, source.lines, source.json_columns = [], None, ()
    records: list[tuple[int, Any]] = []  # (line or record number, value)
    whole: Any = None
    parsed = False
    try:
        if not path.lower().endswith(".jsonl"):  # a .json file: one JSON value, or JSON lines
            whole = json.loads(text)
            parsed = True
    except RecursionError as err:
        raise DatasetError(f"{source.label}: nested more than {MAX_DEPTH} levels deep") from err
    except ValueError as err:
        if text.lstrip().startswith("["):  # one JSON array that is broken: no row can be trusted
            raise DatasetError(
                f"{source.label}: invalid JSON at line {err.lineno} column {err.colno}: {err.msg} (the file is one "
                "JSON array, so no row can be read; fix it or write one JSON object per line)"
            ) from err
    if parsed and isinstance(whole, list):
        records = list(enumerate(whole, 1))
    elif parsed and isinstance(whole, dict):
        records = [(1, whole)]
    elif parsed and whole is not None:
        raise DatasetError(
            f"{source.label}: must hold a JSON array of objects or one object per line, got {type(whole).__name__}"
        )
    else:
        for lineno, line in enumerate(text.split("\n"), 1):  # not splitlines(): U+2028 may sit in a string
            if line.strip():
                try:
                    records.append((lineno, json.loads(line)))
                except ValueError as err:
                    source.bad_rows.append((lineno, "(row)", f"invalid JSON: {err.msg} (column {err.colno})"))
                except RecursionError:
                    source.bad_rows.append((lineno, "(row)", f"nested more than {MAX_DEPTH} levels deep"))
    if not records and not source.bad_rows:
        raise DatasetError(f"{source.label}: no rows in {path}")
    rows, lines = [], []
    for number, value in records:
        if isinstance(value, (dict, list)) and _too_deep(value):
            source.bad_rows.append((number, "(row)", f"nested more than {MAX_DEPTH} levels deep"))
        elif isinstance(value, dict) and not all(map(_is_unicode, value)):
            source.bad_rows.append((number, "(row)", "a key is not valid Unicode (a lone surrogate or bytes that are not UTF-8)"))
        elif isinstance(value, dict):
            rows.append(value)
            lines.append(number)
        else:
            kind = "null" if value is None else type(value).__name__
            source.bad_rows.append((number, "(row)", f"must be a JSON object, got {kind}"))
    source.bad_rows.sort()  # unparsable lines and non-object records, in file order
    source.lines = lines
    return _rows_dataset(source, rows, text)


def _rows_dataset(source: Source, rows: list[dict[str, Any]], text: str) -> Dataset:
    """``rows`` as a dataset: one column per key (missing keys are null); a column arrow cannot
    type becomes JSON text (``ensure_ascii``: lone surrogates survive) named in ``json_columns``."""
    import hashlib
    import json

    import datasets
    import pyarrow as pa
    from datasets.table import InMemoryTable

    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    if not rows:  # every record was malformed: the pipeline reports them
        return datasets.Dataset.from_dict({})
    if not names:
        raise DatasetError(f"{source.label}: its records have no keys (every one is {{}})")
    arrays, encoded = {}, []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            arrays[name] = pa.array(values)
            if _has_empty_struct(arrays[name].type):
                raise TypeError("a struct without fields")
        except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
            arrays[name] = pa.array([None if v is None else json.dumps(v) for v in values], type=pa.string())
            encoded.append(name)
    source.json_columns = tuple(encoded)
    table = pa.table(arrays)
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]
    return datasets.Dataset(InMemoryTable(table), fingerprint=digest)


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests lists/dicts more than :data:`MAX_DEPTH` levels (checked without
    recursion: later steps walk rows recursively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _has_empty_struct(t: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_struct(t):
        return t.num_fields == 0 or any(_has_empty_struct(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_empty_struct(t.value_type)
    return False


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


def _load_hub(source: Source, cache_dir: str | None, hub: Mapping[str, Any], options: dict[str, Any] | None = None) -> Dataset:
    """Load a hub dataset. From Hugging Face: the snapshot ``swift download --dataset`` left in the
    hub's cache when there is one, else ``datasets.load_dataset(hub_id)`` (which fetches only the
    files a subset needs, and reuses the datasets cache). From ModelScope (``--use_hf false``, or a
    dataset only ModelScope has): the snapshot through the ``modelscope`` client, read by ``datasets``."""
    import datasets

    from swiftkit.models.hub import HF, MS, HubRepo, cached_snapshot, download, use_hf

    token = hub.get("hub_token") or None
    ms_id = source.ms_id or (source.hub_id if source.spec is None else None)
    on_hf = bool(source.hub_id) and (use_hf(hub) or not ms_id)
    if on_hf:
        folder = cached_snapshot(HubRepo(source.hub_id or "", HF, "dataset", token=token))
    else:
        folder = download(HubRepo(ms_id or "", MS, "dataset", token=token))
    parts = []
    for subset in source.subsets or [None]:
        try:
            if folder is not None:
                ds = datasets.load_dataset(folder, subset, split=source.split, cache_dir=cache_dir, **(options or {}))
            else:
                ds = datasets.load_dataset(source.hub_id, subset, split=source.split, cache_dir=cache_dir,
                                           **(options or {}))
        except Exception as exc:  # noqa: BLE001
            raise _hub_error(source, source.hub_id if on_hf else ms_id or "", exc) from exc
        parts.append(ds)
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def _hub_error(source: Source, hub_id: str, exc: BaseException) -> DatasetError:
    what = f"dataset {source.label!r}" + (f" (hub id {hub_id!r})" if hub_id != source.label else "")
    if _offline() or _is_network_error(exc):
        return DatasetError(
            f"{what} is not available offline: it is not in the local datasets cache and the hub cannot be reached "
            f"({type(exc).__name__}). Run `swift download --dataset {hub_id}` where the hub is reachable (its "
            f"snapshot is reused), or pass a local .jsonl/.json/.csv/.parquet file instead"
        )
    return DatasetError(f"{what}: cannot load from the hub: {_reason(exc)}")


def line_numbers(source: Source, rows: list[int]) -> dict[int, int]:
    """1-based record numbers -> numbers as in the file: the line number for ``.jsonl`` (blank
    lines are skipped by the loader), the record number otherwise."""
    if source.lines is not None:  # read row by row: the numbers are known
        return {r: source.lines[r - 1] for r in rows}
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
