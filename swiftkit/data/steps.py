"""The per-row steps the pipeline runs through ``datasets.map``, and what keys their cache.

Each step is a small picklable callable (``num_proc`` workers receive a copy) that never
raises on a bad row: it writes the row's status into helper columns (``_field``,
``_reason``, ``_status``), and the pipeline, in the main process, turns them into a
:class:`~swiftkit.core.data.errors.DatasetRowError` (strict) or counts them (lenient).
Exceptions raised inside worker processes would lose that context.

Caching: ``datasets`` keys a ``map`` result by a fingerprint. The pipeline computes it itself
(:func:`fingerprint`) from the input dataset's fingerprint and everything that changes the
output: the tokenizer (its full serialized form), the template (class, spec, and the source
of every module its behaviour comes from), the data layout (its id, version and the source of
its classes), ``max_length``, ``truncation_strategy``, ``loss_scale`` and the source of this
module. Hashing the callable with ``dill`` (what
``datasets`` does by default) is slower for a large tokenizer and does not see edits to the
template code.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import inspect
import json
import os
from collections.abc import Iterator
from typing import Any

from swiftkit.core.errors import ChatTemplateError, RowError

IGNORE_INDEX = -100

#: bump when the output of a step changes for the same inputs
STEPS_VERSION = "1"

#: ``_status`` values of the encode step
OK, ERROR, TOO_LONG, NO_LABELS = "", "error", "too_long", "no_labels"


# ------------------------------------------------------------------------------ fingerprints

_SOURCE_HASHES: dict[tuple[str, float], str] = {}


def _file_hash(path: str) -> str:
    try:
        key = (path, os.path.getmtime(path))
    except OSError:
        return "?"
    digest = _SOURCE_HASHES.get(key)
    if digest is None:
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        _SOURCE_HASHES[key] = digest
    return digest


def code_hash(obj: Any) -> list[str]:
    """Hashes of the source files of every class in ``obj``'s MRO (its behaviour's code)."""
    out = []
    for cls in type(obj).__mro__:
        if cls.__module__ in ("builtins", "abc"):
            continue
        try:
            path = inspect.getsourcefile(cls)
        except (TypeError, OSError):
            path = None
        out.append(f"{cls.__module__}.{cls.__qualname__}:{_file_hash(path) if path else '?'}")
    return out


def _fallback_hash(obj: Any) -> str:
    from datasets.fingerprint import Hasher

    return Hasher.hash(obj)


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """Everything about ``tokenizer`` that changes token ids: its full serialized form
    (vocabulary, merges, normalizer, added tokens), its special tokens and chat template."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    body = backend.to_str() if backend is not None and hasattr(backend, "to_str") else _fallback_hash(tokenizer)
    parts = [
        f"{type(tokenizer).__module__}.{type(tokenizer).__qualname__}",
        body,
        *(str(getattr(tokenizer, n, None)) for n in ("bos_token_id", "eos_token_id", "pad_token_id")),
        str(getattr(tokenizer, "chat_template", None)),
        str(getattr(tokenizer, "add_bos_token", None)),
        str(getattr(tokenizer, "add_eos_token", None)),
    ]
    return fingerprint(*parts)


def template_fingerprint(template: Any) -> str:
    """The template's class, spec, run options (``--enable_thinking``, ``--add_non_thinking_prefix``
    change what is encoded) and the source of every module its behaviour comes from."""
    spec = getattr(template, "spec", None)
    spec_part = json.dumps(spec.to_dict(), sort_keys=True, default=str) if hasattr(spec, "to_dict") else _fallback_hash(template)
    options: tuple[Any, ...] = (getattr(template, "enable_thinking", None), getattr(template, "add_non_thinking_prefix", True))
    if getattr(spec, "media", None):  # --max_pixels ... change the expanded ids of a multimodal template
        options += (repr(getattr(template, "media_options", None)),)
    agent = getattr(template, "agent_template", None)  # writes tool rows: its id and code key the cache too
    agent_part = [json.dumps(agent.spec.to_dict(), sort_keys=True), *code_hash(agent)] if agent is not None else []
    return fingerprint(spec_part, repr(options), *code_hash(template), *agent_part)


def fingerprint(*parts: Any) -> str:
    """A ``datasets`` fingerprint (hex, 32 chars) of ``parts``."""
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def steps_code() -> str:
    """Hash of this module's source and of the media modules its steps call (a change to a
    step changes its cache key)."""
    here = os.path.dirname(__file__)
    return fingerprint(_file_hash(__file__), *(_file_hash(os.path.join(here, name))
                                               for name in ("media.py", "media_column.py", "grounding.py")))


# ------------------------------------------------------------------------------ features


def _list(feature: Any) -> Any:
    import datasets

    return datasets.List(feature) if hasattr(datasets, "List") else datasets.Sequence(feature)


#: bookkeeping columns of the convert step (source index, 1-based row, error field and reason)
CONVERT_HELPERS = ("_src", "_row", "_field", "_reason")
#: bookkeeping columns the encode step adds next to the layout's columns
ENCODE_HELPERS = ("length", "_status", "_field", "_reason", "_trainable", "_truncated")


def converted_features(layout: Any, raw_features: Any) -> Any:
    """The convert step's output: the layout's converted columns and the helpers."""
    import datasets

    cols = dict(layout.converted_features(raw_features))
    cols.update(
        _src=datasets.Value("int32"),
        _row=datasets.Value("int64"),
        _field=datasets.Value("string"),
        _reason=datasets.Value("string"),
    )
    return datasets.Features(cols)


def encoded_features(layout: Any, converted: Any, consumed: list[str]) -> Any:
    """The encode step's output: the converted columns it keeps, the layout's encoded columns
    and the helpers."""
    import datasets

    cols = {k: v for k, v in converted.items() if k not in consumed}
    cols.update(layout.encoded_features({k: v for k, v in converted.items() if not k.startswith("_")}))
    cols.update(
        length=datasets.Value("int32"),
        _status=datasets.Value("string"),
        _field=datasets.Value("string"),
        _reason=datasets.Value("string"),
        _trainable=datasets.Value("int32"),
        _truncated=datasets.Value("bool"),
    )
    return datasets.Features(cols)


def packed_features() -> Any:
    import datasets

    return datasets.Features(
        {
            "input_ids": _list(datasets.Value("int32")),
            "labels": _list(datasets.Value("int32")),
            "position_ids": _list(datasets.Value("int32")),
            "length": datasets.Value("int32"),
        }
    )


# ------------------------------------------------------------------------------ steps


class ConvertRows:
    """Rows of one format -> the layout's canonical rows (:meth:`DataLayout.convert` per row).
    A :class:`RowError` (or a converter bug) is recorded in ``_field``/``_reason``.

    ``json_columns`` are raw columns held as JSON text (a file arrow could not type, see
    :func:`swiftkit.data.sources._read_json_rows`): decoded before the converter sees the row,
    and checked for text that is not valid Unicode (the field is named); an output column of
    ``text_columns`` that receives such a value unchanged (not a string) is kept as JSON text.

    A ``media`` output column (:mod:`swiftkit.data.media_column`) is finished here, where the
    source is known: references resolved against ``media_dir`` (the dataset file's folder) and,
    with ``verify_media``, checked without decoding pixels."""

    def __init__(self, layout: Any, converter: Any, source_index: int, columns: list[str],
                 json_columns: tuple[str, ...] = (), text_columns: tuple[str, ...] = (),
                 media_dir: str | None = None, verify_media: bool = True):
        self.layout = layout
        self.converter = converter
        self.source_index = source_index
        self.columns = columns
        self.json_columns = tuple(json_columns)
        self.text_columns = tuple(text_columns)
        self.media_dir = media_dir
        self.verify_media = verify_media

    def _decode(self, row: dict[str, Any]) -> None:
        for c in self.json_columns:
            if row.get(c) is not None:
                row[c] = json.loads(row[c])
                where = invalid_text(row[c], c)
                if where is not None:
                    raise RowError(where, "invalid Unicode: a lone surrogate or bytes that are not UTF-8")

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        names = list(batch)
        out: dict[str, list] = {k: [] for k in (*self.columns, *CONVERT_HELPERS)}
        for i, index in enumerate(indices):
            row = {c: batch[c][i] for c in names}
            field = reason = ""
            try:
                if self.json_columns:
                    self._decode(row)
                result = self.layout.convert(self.converter, row)
                missing = [c for c in self.columns if c not in result]
                if missing:
                    raise RowError("(row)", f"no {', '.join(missing)} in the converted row (not {self.layout.id} data)")
                if "media" in self.columns and result["media"] and not isinstance(result["media"], str):
                    from swiftkit.data.media_column import finish_media

                    result = {**result, "media": finish_media(result["media"], result.get("messages") or [],
                                                              base_dir=self.media_dir, verify=self.verify_media)}
                values = [result[c] for c in self.columns]
                for k, c in enumerate(self.columns):
                    if c in self.text_columns and values[k] is not None and not isinstance(values[k], str):
                        values[k] = json.dumps(values[k])
            except RowError as exc:
                field, reason = exc.field, exc.reason
                values = [None] * len(self.columns)
            except Exception as exc:  # noqa: BLE001 - a converter bug still names the row
                field, reason = "(row)", f"{type(exc).__name__}: {exc}"
                values = [None] * len(self.columns)
            for c, v in zip(self.columns, values, strict=True):
                out[c].append(v)
            out["_src"].append(self.source_index)
            out["_row"].append(index + 1)
            out["_field"].append(field)
            out["_reason"].append(reason)
        return out


class EncodeRows:
    """Tokenize rows once (:meth:`DataLayout.encode_batch`: a ``datasets`` batch at a time),
    marking what to drop in ``_status``: ``error`` (a :class:`RowError`, field and reason kept),
    ``too_long``, ``no_labels`` (the layout's :class:`RowTooLong` / :class:`RowHasNoLabels`).

    In a worker process (``num_proc`` > 1) the tokenizer's own threads are turned off
    (``TOKENIZERS_PARALLELISM=false`` unless the environment sets it): the workers already use
    the cores, and a tokenizer that used its threads before the fork would otherwise warn and
    turn them off itself. In the main process (``num_proc`` 1) the tokenizer may use them on
    the batch."""

    def __init__(self, layout: Any, settings: Any, columns: list[str], encoded: list[str]):
        self.layout = layout
        self.settings = settings
        self.columns = columns  #: the converted columns a row hands to the layout
        self.encoded = encoded  #: the layout's encoded columns
        self.main_pid = os.getpid()
        self._shared: tuple[int, int] | None = None  #: set by :func:`shared_with_workers`

    def __reduce__(self) -> Any:
        if self._shared is not None and self._shared[0] == os.getpid() and _workers_fork():
            return _inherited, self._shared
        return _restore, (type(self), {**self.__dict__, "_shared": None})

    def _results(self, rows: list[dict[str, Any]]) -> list[Any]:
        """One :class:`EncodedRow` or exception per row; the layout's batch path when it has one,
        row by row when it has none or it fails as a whole (each row then gets its own status)."""
        from swiftkit.core.data.layout import DataLayout

        encode_batch = getattr(self.layout, "encode_batch", None)
        if encode_batch is not None:
            try:
                results = list(encode_batch(rows, self.settings))
                if len(results) == len(rows):
                    return results
            except ChatTemplateError:
                raise  # the template is broken, not these rows
            except Exception:  # noqa: BLE001, S110 - a bug of the batch path: each row says what fails
                pass
        return DataLayout.encode_batch(self.layout, rows, self.settings)  # the default: encode row by row

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        from swiftkit.core.data.layout import RowHasNoLabels, RowTooLong

        if os.getpid() != self.main_pid and "TOKENIZERS_PARALLELISM" not in os.environ:
            os.environ["TOKENIZERS_PARALLELISM"] = "false"  # a forked worker: see the class docstring
        n = len(batch["_row"])
        out: dict[str, list] = {k: [] for k in (*self.encoded, *ENCODE_HELPERS)}
        rows = [{c: batch[c][i] for c in self.columns} for i in range(n)]
        for enc in self._results(rows):
            status, field, reason = OK, "", ""
            try:
                if isinstance(enc, BaseException):
                    raise enc
                values = [enc.columns[k] for k in self.encoded]
            except ChatTemplateError:
                raise  # the template is broken, not this row
            except RowError as exc:
                status, field, reason = ERROR, exc.field, exc.reason
            except RowTooLong as exc:
                status, reason = TOO_LONG, str(exc)
            except RowHasNoLabels as exc:
                status, reason = NO_LABELS, str(exc)
            except Exception as exc:  # noqa: BLE001 - a layout bug still names the row
                status, field, reason = ERROR, "(row)", f"{type(exc).__name__}: {exc}"
            ok = status == OK
            for k, v in zip(self.encoded, values if ok else [None] * len(self.encoded), strict=True):
                out[k].append(v)
            out["length"].append(enc.length if ok else 0)
            out["_status"].append(status)
            out["_field"].append(field)
            out["_reason"].append(reason)
            out["_trainable"].append(enc.trainable if ok else 0)
            out["_truncated"].append(bool(enc.truncated) if ok else False)
        return out


#: steps that worker processes forked during a ``map`` take from the memory they inherit
_SHARED: dict[int, Any] = {}


@contextlib.contextmanager
def shared_with_workers(step: Any) -> Iterator[None]:
    """While a ``map`` with ``num_proc`` workers runs: workers forked from this process take
    ``step`` (an :class:`EncodeRows`) from the memory they inherit instead of unpickling a copy,
    which for a real tokenizer (150k tokens, a few MB of JSON to parse) costs about half a second
    of CPU in every worker. Where workers are not forked (another start method) a copy is
    pickled as before."""
    key = id(step)
    _SHARED[key] = step
    step._shared = (os.getpid(), key)
    try:
        yield
    finally:
        _SHARED.pop(key, None)
        step._shared = None


def _workers_fork() -> bool:
    """Whether ``datasets``' worker pool (``multiprocess``) forks this process."""
    import multiprocess

    return multiprocess.get_start_method() == "fork"


def _inherited(pid: int, key: int) -> Any:
    step = _SHARED.get(key)
    if step is None:
        raise RuntimeError(f"a data step shared with forked workers (key {key} of process {pid}) is not in this "
                           f"process (pid {os.getpid()}): it was not forked while the step was shared")
    return step


def _restore(cls: type, state: dict[str, Any]) -> Any:
    step = cls.__new__(cls)
    step.__dict__.update(state)
    return step


class PackRows:
    """Concatenate groups of encoded rows (indices into ``dataset``) into packed rows.

    ``position_ids`` restart at 0 for every sample, so attention treats the samples as separate
    sequences (transformers derives a block-diagonal causal mask from them when no
    ``attention_mask`` is given; see :mod:`swiftkit.data.collator`). The first label of
    every sample is set to -100: the previous sample's last token must not learn to predict
    it (when run separately, no token predicts a sample's first token either).
    """

    def __init__(self, dataset: Any):
        self.dataset = dataset

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        groups = batch["_idx"]
        flat = [i for g in groups for i in g]
        rows = self.dataset.select_columns(["input_ids", "labels"])[flat] if flat else {"input_ids": [], "labels": []}
        out: dict[str, list] = {"input_ids": [], "labels": [], "position_ids": [], "length": []}
        k = 0
        for g in groups:
            ids: list[int] = []
            labels: list[int] = []
            pos: list[int] = []
            for _ in g:
                row_ids = list(rows["input_ids"][k])
                row_labels = list(rows["labels"][k])
                k += 1
                if row_labels:
                    row_labels[0] = IGNORE_INDEX
                ids += row_ids
                labels += row_labels
                pos += range(len(row_ids))
            out["input_ids"].append(ids)
            out["labels"].append(labels)
            out["position_ids"].append(pos)
            out["length"].append(len(ids))
        return out


# ------------------------------------------------------------------------------ plain helpers


def invalid_text(value: Any, path: str) -> str | None:
    """The path (``messages[2].content``) of the first string in ``value`` that is not valid
    Unicode (a lone surrogate), or ``None``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if invalid_text(key, "") is not None:
                return f"{path}.(key)"
            found = invalid_text(v, f"{path}.{key}")
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = invalid_text(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def sample_indices(n_rows: int, n: int, seed: int) -> list[int]:
    """ms-swift's ``#N``: N distinct random rows (kept in file order) when N <= the rows there
    are; otherwise every row N // rows times, then N % rows distinct random ones."""
    import numpy as np

    rng = np.random.RandomState(seed)
    if n_rows == 0:
        return []
    if n <= n_rows:
        return sorted(rng.permutation(n_rows)[:n].tolist())
    whole = np.tile(np.arange(n_rows), n // n_rows)
    rest = np.sort(rng.permutation(n_rows)[: n % n_rows])
    return np.concatenate([whole, rest]).tolist()


def pack_lengths(lengths: list[int], max_length: int) -> list[list[int]]:
    """Best-fit decreasing bin packing: groups of row indices whose lengths sum to at most
    ``max_length``. Longest rows first; each goes into the fullest bin it fits in (a new bin
    when none). Deterministic; O(n log n) plus a sorted list of distinct free capacities."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    bins: list[list[int]] = []
    free_caps: list[int] = []  # sorted distinct capacities that some bin has free
    by_cap: dict[int, list[int]] = {}  # capacity -> bins with exactly that much free
    for i in order:
        size = lengths[i]
        if size > max_length:
            raise ValueError(f"row of {size} tokens does not fit max_length {max_length}")
        j = bisect.bisect_left(free_caps, size)
        if j < len(free_caps):
            cap = free_caps[j]
            b = by_cap[cap].pop()
            if not by_cap[cap]:
                del by_cap[cap]
                free_caps.pop(j)
        else:
            cap = max_length
            b = len(bins)
            bins.append([])
        bins[b].append(i)
        left = cap - size
        if left > 0:
            if left not in by_cap:
                by_cap[left] = []
                bisect.insort(free_caps, left)
            by_cap[left].append(b)
    return bins
