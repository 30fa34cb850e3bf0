"""``--streaming true``: datasets read as a stream (``datasets.IterableDataset``), each row
checked and tokenized as training reads it, so data larger than memory trains.

Per ``--dataset`` (:mod:`swiftkit.data.sources` resolves it as usual): a local ``.jsonl`` file
is read line by line (an unparsable line is a bad row named by file and line, as in the
in-memory pipeline); other files and hub datasets through ``datasets.load_dataset(...,
streaming=True)``. The format comes from the dataset's spec or is detected from the first
row's columns; every row then goes through the same convert and encode steps as
:func:`swiftkit.data.prepare_datasets` (:class:`~swiftkit.data.steps.ConvertRows`,
:class:`~swiftkit.data.steps.EncodeRows`): a malformed row raises
:class:`~swiftkit.core.data.errors.DatasetRowError` naming file, row and field, or with
``strict=False`` is skipped, counted in the report and its first reasons logged. ``#N`` takes
the first N valid rows (a stream has no random access, as in ms-swift). Sources are shuffled
through a buffer of ``shuffle_buffer_size`` rows and concatenated, or interleaved at
``interleave_prob``. Nothing is cached: the stream is read again each epoch.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from swiftkit.core.data.errors import DatasetError, DatasetRowError
from swiftkit.data import steps
from swiftkit.data.report import DataReport, SkippedRow, SourceReport
from swiftkit.data.sources import BUILDERS, Source, resolve

logger = logging.getLogger("swiftkit.data")

_CHUNK = 64
_FIRST = 5


def _raw_rows(src: Source, hub: dict[str, Any], download_mode: str | None) -> Any:
    """``(record number, row or None, reason)`` for each record of ``src``, in order."""
    path = src.path
    if path and path.lower().endswith(".jsonl"):
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as err:
                    yield lineno, None, f"invalid JSON: {err.msg} (column {err.colno})"
                    continue
                if not isinstance(row, dict):
                    yield lineno, None, f"must be a JSON object, got {'null' if row is None else type(row).__name__}"
                    continue
                yield lineno, row, ""
        return
    import datasets

    options = {"download_mode": download_mode} if download_mode else {}
    if path:
        builder = BUILDERS[os.path.splitext(path)[1].lower()]
        stream = datasets.load_dataset(builder, data_files={"train": path}, split="train", streaming=True, **options)
        for i, row in enumerate(stream, 1):
            yield i, dict(row), ""
        return
    number = 0
    for subset in src.subsets or [None]:
        try:
            stream = datasets.load_dataset(src.hub_id or src.ms_id, subset, split=src.split, streaming=True,
                                           token=hub.get("hub_token") or None, **options)
        except Exception as exc:  # noqa: BLE001 - one clear message
            from swiftkit.data.sources import _hub_error

            raise _hub_error(src, src.hub_id or src.ms_id or "", exc) from exc
        for row in stream:
            number += 1
            yield number, dict(row), ""


class StreamJob:
    """One source's stream: raw records -> checked, tokenized rows (a generator factory for
    ``IterableDataset.from_generator``; the counters live in the process that iterates)."""

    def __init__(self, src: Source, index: int, *, registry: Any, layout: Any, settings: Any, strict: bool,
                 hub: dict[str, Any], options: Any, report: DataReport, source_report: SourceReport):
        self.src, self.index, self.registry, self.layout = src, index, registry, layout
        self.settings, self.strict, self.hub, self.options = settings, strict, hub, options
        self.report, self.source_report = report, source_report
        self.renames = {**src.columns, **(options.columns or {})}
        self.converter: Any = None
        self.format: str | None = src.format

    def __deepcopy__(self, memo: dict[int, Any]) -> StreamJob:
        # datasets copies the generator's arguments (interleave_datasets, shuffle): the job is
        # shared (its counters are the run's report), and holds what cannot be copied (modules)
        return self

    # -- set-up from the first row

    def _first_row(self) -> dict[str, Any]:
        for _, row, _reason in _raw_rows(self.src, self.hub, self.options.download_mode):
            if row is not None:
                return self._rename(row)
        raise DatasetError(f"{self.src.label}: no readable row to stream")

    def _rename(self, row: dict[str, Any]) -> dict[str, Any]:
        if not self.renames:
            return row
        out = {k: v for k, v in row.items() if k not in set(self.renames.values()) or k in self.renames}
        for old, new in self.renames.items():
            if old in row:
                out[new] = out.pop(old)
        return out

    def setup(self) -> None:
        """Pick the format (from the spec, else from the first row's columns) and check that the
        layout accepts it -- before training starts."""
        registry, layout = self.registry, self.layout
        fmt = self.format
        if fmt is None:
            columns = list(self._first_row())
            entries = [e for e in registry.entries("format") if layout.detects(e.id, registry.converter(e.id))]
            entries.sort(key=lambda e: not layout.prefers(e.id, registry.converter(e.id)))
            fmt = next((e.id for e in entries if registry.converter(e.id).matches(columns)), None)
            if fmt is None:
                raise DatasetError(f"{self.src.label}: cannot tell the format from its columns {sorted(columns)}")
        if ("format", fmt) not in registry:
            raise DatasetError(f"{self.src.label}: its format {fmt!r} is not registered")
        converter = registry.converter(fmt)
        if not layout.accepts(fmt, converter):
            raise DatasetError(f"{self.src.label}: {layout.refusal(fmt, converter)}")
        self.format, self.converter = fmt, converter
        self.source_report.format = fmt
        from swiftkit.data import self_cognition

        given = self_cognition.names(self.options.model_name, self.options.model_author)
        missing = [k for k in self_cognition.PLACEHOLDERS if k not in given]
        if self_cognition.applies(self.src.spec) and missing:
            logger.warning("%s: %s not given: its rows keep %s as written", self.src.label,
                           " and ".join(f"--model_{k}" for k in missing),
                           " and ".join(self_cognition.PLACEHOLDERS[k] for k in missing))

    # -- the stream

    def _bad(self, row: int, field: str, reason: str) -> None:
        line = row  # streams number records as read: a .jsonl file's line, else the record
        if self.strict:
            raise DatasetRowError(self.src.label, line, field, reason)
        self.source_report.rows_skipped += 1
        if self.report.skipped < _FIRST:
            logger.warning("skipped %s row %s: %s: %s", self.src.label, line, field, reason)
        self.report.add_skipped([SkippedRow(self.src.label, line, field, reason)], 1)

    def _process(self, chunk: list[tuple[int, dict[str, Any]]]) -> Any:
        import datasets

        from swiftkit.data import self_cognition

        names = self_cognition.names(self.options.model_name, self.options.model_author)
        rows = [r for _, r in chunk]
        if names and self_cognition.applies(self.src.spec):
            keys = list(dict.fromkeys(k for r in rows for k in r))
            batch = self_cognition.Substitute(names)({k: [r.get(k) for r in rows] for k in keys})
            rows = [{k: batch[k][i] for k in keys} for i in range(len(rows))]
        columns = [c for c in self.layout.converted_features(datasets.Features()) if c not in steps.CONVERT_HELPERS]
        keys = list(dict.fromkeys(k for r in rows for k in r))
        from swiftkit.data.media import media_folder

        convert = steps.ConvertRows(self.layout, self.converter, self.index, columns, media_dir=media_folder(self.src))
        converted = convert({k: [r.get(k) for r in rows] for k in keys}, [n - 1 for n, _ in chunk])
        ok = [i for i, reason in enumerate(converted["_reason"]) if not reason]
        for i, reason in enumerate(converted["_reason"]):
            if reason:
                self._bad(converted["_row"][i], converted["_field"][i], reason)
        if not ok:
            return
        consumed = [c for c in self.layout.consumes(columns) if c in columns]
        encoded_cols = list(self.layout.encoded_features({c: None for c in columns}))
        batch = {c: [converted[c][i] for i in ok] for c in columns}
        batch["_row"] = [converted["_row"][i] for i in ok]
        out = steps.EncodeRows(self.layout, self.settings, columns, encoded_cols)(batch)
        for j, status in enumerate(out["_status"]):
            if status == steps.ERROR:
                self._bad(batch["_row"][j], out["_field"][j], out["_reason"][j])
            elif status == steps.TOO_LONG:
                self.report.too_long += 1
            elif status == steps.NO_LABELS:
                self.report.no_labels += 1
            else:
                self.source_report.rows_used += 1
                self.report.truncated += int(out["_truncated"][j])
                row = {c: batch[c][j] for c in columns if c not in consumed}
                row.update({c: out[c][j] for c in encoded_cols})
                row["length"] = out["length"][j]
                yield row

    def rows(self) -> Any:
        chunk: list[tuple[int, dict[str, Any]]] = []
        for number, row, reason in _raw_rows(self.src, self.hub, self.options.download_mode):
            self.source_report.rows_read += 1
            if row is None:
                self._bad(number, "(row)", reason)
                continue
            chunk.append((number, self._rename(row)))
            if len(chunk) == _CHUNK:
                yield from self._process(chunk)
                chunk = []
        if chunk:
            yield from self._process(chunk)


def _generate(job: StreamJob) -> Any:
    yield from job.rows()


def stream_datasets(*, dataset: list[str], val_dataset: list[str], registry: Any, template: Any, tokenizer: Any,
                    layout: Any, max_length: int | None, truncation_strategy: str, loss_scale: str, strict: bool,
                    shuffle: bool, val_shuffle: bool, seed: int, shuffle_buffer_size: int, options: Any,
                    hub: dict[str, Any] | None = None) -> Any:
    """``PreparedData`` whose ``train`` / ``val`` are ``datasets.IterableDataset`` streams of
    encoded rows (``report`` fills as they are read)."""
    import datasets

    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.data.pipeline import PreparedData, mix

    if not dataset:
        raise DatasetError("no dataset given (--dataset: registered dataset ids or local files)")
    if template is not None and getattr(template, "requires_tokenizer", False) and getattr(template, "tokenizer", None) is None:
        template = template.bind(tokenizer)
    settings = EncodeSettings(template=template, tokenizer=tokenizer, max_length=max_length,
                              truncation_strategy=truncation_strategy, loss_scale=loss_scale)
    report = DataReport()
    converted = dict(layout.converted_features(datasets.Features()))
    consumed = [c for c in layout.consumes(list(converted)) if c in converted]
    features = {k: v for k, v in converted.items() if k not in consumed and k not in steps.CONVERT_HELPERS}
    features.update(layout.encoded_features({k: v for k, v in converted.items() if not k.startswith("_")}))
    features["length"] = datasets.Value("int32")
    features = datasets.Features(features)
    jobs: list[StreamJob] = []

    def build(args: list[str], split: str, shuffled: bool) -> Any:
        parts = []
        for arg in args:
            src = resolve(arg, registry, custom=options.custom)
            rep = SourceReport(name=src.label, split=split, kind=src.kind, format=src.format or "?", sample=src.sample)
            report.sources.append(rep)
            job = StreamJob(src, len(jobs), registry=registry, layout=layout, settings=settings, strict=strict,
                            hub=hub or {}, options=options, report=report, source_report=rep)
            job.setup()
            jobs.append(job)
            part = datasets.IterableDataset.from_generator(_generate, features=features, gen_kwargs={"job": job})
            if src.sample is not None:
                part = part.take(src.sample)
            if shuffled:
                part = part.shuffle(seed=seed, buffer_size=shuffle_buffer_size)
            parts.append(part)
        return parts

    train_parts = build(dataset, "train", shuffle)
    train = mix(train_parts, options, seed) if options.interleave_prob else (
        train_parts[0] if len(train_parts) == 1 else datasets.concatenate_datasets(train_parts))
    val = None
    if val_dataset:
        val_parts = build(val_dataset, "val", val_shuffle)
        val = val_parts[0] if len(val_parts) == 1 else datasets.concatenate_datasets(val_parts)
    data = PreparedData(train=train, val=val, report=report)
    data.streaming = True  # type: ignore[attr-defined]
    return data


def render_stream_report(report: DataReport, console: Any) -> None:
    """After a streaming run: what was read, used and skipped (the rows a stream read more than
    once count each time)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="streamed datasets", title_justify="left", show_edge=False, pad_edge=False)
    for col in ("split", "dataset", "format", "read", "skipped", "used"):
        table.add_column(col, justify="right" if col in ("read", "skipped", "used") else "left")
    for s in report.sources:
        table.add_row(Text(s.split), Text(s.name), Text(s.format), str(s.rows_read), str(s.rows_skipped), str(s.rows_used))
    console.print(table)
    for line in report.warnings():
        console.print(Text("warning: " + line, style="yellow"))
