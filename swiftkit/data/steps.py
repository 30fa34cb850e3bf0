"""The per-row steps the pipeline runs through ``datasets.map``, and what keys their cache.

Each step is a small picklable callable (``num_proc`` workers receive a copy) that never
raises on a bad row: it writes the row's status into helper columns (``_field``,
``_reason``, ``_status``), and the pipeline, in the main process, turns them into a
:class:`~swiftkit.core.data.errors.DatasetRowError` (strict) or counts them (lenient).
Exceptions raised inside worker processes would lose that context.

Caching: ``datasets`` keys a ``map`` result by a fingerprint. The pipeline computes it itself
(:func:`fingerprint`) from the input dataset's fingerprint and everything that changes the
output: the tokenizer (its full serialized form), the template (class, spec, and the source
of every module its behaviour comes from), ``mode``, ``max_length``, ``truncation_strategy``,
``loss_scale`` and the source of this module. Hashing the callable with ``dill`` (what
``datasets`` does by default) is slower for a large tokenizer and does not see edits to the
template code.
"""

from __future__ import annotations

import bisect
import hashlib
import inspect
import json
import os
from typing import Any

from swiftkit.core.errors import RowError

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
    """The template's class, spec and the source of every module its behaviour comes from."""
    spec = getattr(template, "spec", None)
    spec_part = json.dumps(spec.to_dict(), sort_keys=True, default=str) if hasattr(spec, "to_dict") else _fallback_hash(template)
    return fingerprint(spec_part, *code_hash(template))


def fingerprint(*parts: Any) -> str:
    """A ``datasets`` fingerprint (hex, 32 chars) of ``parts``."""
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def steps_code() -> str:
    """Hash of this module's source (a change to a step changes its cache key)."""
    return _file_hash(__file__)


# ------------------------------------------------------------------------------ features


def _list(feature: Any) -> Any:
    import datasets

    return datasets.List(feature) if hasattr(datasets, "List") else datasets.Sequence(feature)


def converted_features(mode: str) -> Any:
    import datasets

    cols: dict[str, Any] = {
        "messages": _list({"role": datasets.Value("string"), "content": datasets.Value("string")}),
    }
    if mode == "pt":
        cols["text"] = datasets.Value("string")
    cols.update(
        _src=datasets.Value("int32"),
        _row=datasets.Value("int64"),
        _field=datasets.Value("string"),
        _reason=datasets.Value("string"),
    )
    return datasets.Features(cols)


def encoded_features() -> Any:
    import datasets

    return datasets.Features(
        {
            "input_ids": _list(datasets.Value("int32")),
            "labels": _list(datasets.Value("int32")),
            "length": datasets.Value("int32"),
            "_src": datasets.Value("int32"),
            "_row": datasets.Value("int64"),
            "_status": datasets.Value("string"),
            "_field": datasets.Value("string"),
            "_reason": datasets.Value("string"),
            "_trainable": datasets.Value("int32"),
            "_truncated": datasets.Value("bool"),
        }
    )


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
    """Rows of one format -> the canonical conversation (``messages``), or plain ``text`` in
    pre-training mode. A converter's :class:`RowError` is recorded in ``_field``/``_reason``."""

    def __init__(self, converter: Any, mode: str, source_index: int):
        self.converter = converter
        self.mode = mode
        self.source_index = source_index

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        columns = list(batch)
        out: dict[str, list] = {"messages": [], "_src": [], "_row": [], "_field": [], "_reason": []}
        if self.mode == "pt":
            out["text"] = []
        for i, index in enumerate(indices):
            row = {c: batch[c][i] for c in columns}
            messages: list[dict[str, str]] = []
            text = ""
            field = reason = ""
            try:
                result = self.converter.convert(row)
                if not isinstance(result, dict):
                    raise RowError("(row)", f"the converter returned {type(result).__name__}, not a dict")
                if "messages" in result:
                    messages = [{"role": m["role"], "content": m["content"]} for m in result["messages"]]
                elif "text" in result:
                    if self.mode != "pt":
                        raise RowError("text", "plain text has no conversation to train on with sft; use `swift pt`")
                    text = result["text"]
                else:
                    raise RowError("(row)", "the converter returned neither 'messages' nor 'text'")
            except RowError as exc:
                field, reason = exc.field, exc.reason
                messages, text = [], ""
            except Exception as exc:  # noqa: BLE001 - a converter bug still names the row
                field, reason = "(row)", f"{type(exc).__name__}: {exc}"
                messages, text = [], ""
            out["messages"].append(messages)
            if self.mode == "pt":
                out["text"].append(text)
            out["_src"].append(self.source_index)
            out["_row"].append(index + 1)
            out["_field"].append(field)
            out["_reason"].append(reason)
        return out


class EncodeRows:
    """Tokenize rows once, apply ``max_length`` with the truncation strategy, mark what to drop.

    - ``sft``: ``template.encode(tokenizer, messages, loss_scale=...)`` (labels -100 outside
      the assistant replies);
    - ``pt``: plain text is tokenized (with the tokenizer's own special tokens, e.g. a BOS) and
      ends with the eos token; a conversation is encoded by the template with
      ``loss_scale="all"`` (its own markers delimit it); every token is a label.

    Over-long rows: ``delete`` marks them ``too_long``; ``left`` / ``right`` keep the last /
    first ``max_length`` tokens. A row whose labels are all -100 afterwards (the first label
    never counts: no token predicts it) is marked ``no_labels``.
    """

    def __init__(
        self,
        template: Any,
        tokenizer: Any,
        *,
        mode: str,
        max_length: int | None,
        truncation_strategy: str,
        loss_scale: str,
    ):
        self.template = template
        self.tokenizer = tokenizer
        self.mode = mode
        self.max_length = max_length
        self.truncation_strategy = truncation_strategy
        self.loss_scale = loss_scale

    def encode_one(self, messages: list[dict[str, str]], text: str | None) -> tuple[list[int], list[int]]:
        if self.mode == "pt" and not messages:
            ids = list(self.tokenizer(text, add_special_tokens=True)["input_ids"])
            eos = getattr(self.tokenizer, "eos_token_id", None)
            if isinstance(eos, int) and (not ids or ids[-1] != eos):
                ids.append(eos)
            return ids, list(ids)
        loss_scale = "all" if self.mode == "pt" else self.loss_scale
        enc = self.template.encode(self.tokenizer, messages, loss_scale=loss_scale)
        return list(enc["input_ids"]), list(enc["labels"])

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        n = len(batch["_row"])
        texts = batch.get("text") or [None] * n
        out: dict[str, list] = {
            k: [] for k in ("input_ids", "labels", "length", "_status", "_field", "_reason", "_trainable", "_truncated")
        }
        max_length = self.max_length
        for i in range(n):
            status, field, reason, truncated = OK, "", "", False
            try:
                ids, labels = self.encode_one(batch["messages"][i], texts[i])
                if len(ids) != len(labels):
                    raise ValueError(f"the template returned {len(ids)} input_ids but {len(labels)} labels")
            except RowError as exc:
                status, field, reason = ERROR, exc.field, exc.reason
                ids, labels = [], []
            except Exception as exc:  # noqa: BLE001 - template errors name the message index
                status, field, reason = ERROR, "messages" if batch["messages"][i] else "text", str(exc)
                ids, labels = [], []
            length = len(ids)
            if status == OK and max_length is not None and length > max_length:
                if self.truncation_strategy == "delete":
                    status, reason = TOO_LONG, f"{length} tokens > max_length {max_length}"
                    ids, labels = [], []
                elif self.truncation_strategy == "left":
                    ids, labels, truncated = ids[-max_length:], labels[-max_length:], True
                else:
                    ids, labels, truncated = ids[:max_length], labels[:max_length], True
            trainable = sum(1 for x in labels[1:] if x != IGNORE_INDEX)
            if status == OK and trainable == 0:
                status, reason = NO_LABELS, "no trainable token" + (" left after truncation" if truncated else "")
                ids, labels = [], []
            out["input_ids"].append(ids)
            out["labels"].append(labels)
            out["length"].append(len(ids) if status == OK else length)
            out["_status"].append(status)
            out["_field"].append(field)
            out["_reason"].append(reason)
            out["_trainable"].append(trainable if status == OK else 0)
            out["_truncated"].append(truncated and status == OK)
        return out


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
