"""The dataset pipeline behind :func:`swiftkit.data.prepare_datasets`.

Per ``--dataset`` / ``--val_dataset`` argument (:mod:`swiftkit.data.sources`):

1. resolve it (local file, registered dataset, hub id) and load it with ``datasets``;
2. pick its format: the one its :class:`~swiftkit.core.specs.DatasetSpec` names, else the
   first registered format the data layout accepts whose converter ``matches`` the columns
   (formats that name the layout in their ``modes`` first: in ``pt`` a ``text`` column wins);
3. convert and validate **every** row through ``datasets.map`` (cached), as the objective's
   :class:`~swiftkit.core.data.layout.DataLayout` says. A malformed row is a
   :class:`~swiftkit.core.data.errors.DatasetRowError` naming the file, the row and the field;
   with ``strict=False`` it is skipped and counted, and the first reasons are kept;
4. ``#N``: sample N of the valid rows (seeded; more than there are repeats rows, as ms-swift).

Then the training sources are concatenated and shuffled (seeded), the validation split is
taken (``val_dataset``, else ``split_dataset_ratio`` of the training rows), and each split is
tokenized once by the layout through ``datasets.map`` (``num_proc``, cached under a fingerprint
of the tokenizer, the template, the layout and the settings; :mod:`swiftkit.data.steps`), with ``max_length``
applied by the truncation strategy. Optionally the rows are packed into ``max_length`` rows.

Nothing is dropped without being counted in the :class:`~swiftkit.data.report.DataReport`.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from swiftkit.core.data.errors import DatasetError, DatasetRowError
from swiftkit.data import steps
from swiftkit.data.progress import make_progress, map_progress, quiet_datasets, step
from swiftkit.data.report import DataReport, SkippedRow, SourceReport, TokenStats
from swiftkit.data.sources import Source, line_numbers, load, resolve

if TYPE_CHECKING:
    from datasets import Dataset

    from swiftkit.core.data.layout import DataLayout
    from swiftkit.core.registry import Registry

logger = logging.getLogger("swiftkit.data")

TRUNCATION_STRATEGIES = ("delete", "left", "right")
_BATCH = 1000
#: rows each worker of ``num_proc`` must get before a step starts a pool: starting and feeding
#: the workers costs about a second of CPU, which the rows must pay back (at a few thousand
#: rows per second per process, 10,000 rows do several times over); below it the step runs
#: in the main process, where the tokenizer may use its own threads on each batch
MIN_ROWS_PER_PROC = 10_000
_FIRST = 5  # malformed rows whose reasons are kept per source


def _check_args(
    dataset: list[str], layout: Any, truncation_strategy: str, split_dataset_ratio: float, max_length: int | None,
    num_proc: int, packing: bool, loss_scale: str,
) -> None:
    if not dataset:
        raise DatasetError("no dataset given (--dataset: registered dataset ids or local files)")
    from swiftkit.core.data.layout import DataLayout

    if not isinstance(layout, DataLayout):
        raise DatasetError(f"the data layout must be a swiftkit.core.data.layout.DataLayout, got {type(layout).__name__}")
    if truncation_strategy not in TRUNCATION_STRATEGIES:
        raise DatasetError(
            f"unknown truncation_strategy {truncation_strategy!r}; expected one of {', '.join(TRUNCATION_STRATEGIES)}"
        )
    if not 0 <= split_dataset_ratio < 1:
        raise DatasetError(f"split_dataset_ratio must be in [0, 1), got {split_dataset_ratio}")
    if max_length is not None and max_length < 1:
        raise DatasetError(f"max_length must be at least 1, got {max_length}")
    if num_proc < 1:
        raise DatasetError(f"dataset_num_proc must be at least 1, got {num_proc}")
    if packing and max_length is None:
        raise DatasetError("packing needs max_length (the length of a packed row)")
    from swiftkit.core.templates import interface

    scales = getattr(interface, "LOSS_SCALES", None)
    if scales and loss_scale not in scales:
        raise DatasetError(f"unknown loss_scale {loss_scale!r}; expected one of {', '.join(scales)}")


class _Run:
    """One call of :func:`prepare_datasets`: its settings, progress, report and sources."""

    def __init__(self, *, registry: Registry, template: Any, tokenizer: Any, layout: Any, max_length: int | None,
                 truncation_strategy: str, loss_scale: str, strict: bool, num_proc: int, shuffle: bool, seed: int,
                 cache_dir: str | None, progress: Any, hub: Mapping[str, Any] | None = None,
                 options: LoadOptions | None = None):
        self.registry = registry
        self.template = template
        self.tokenizer = tokenizer
        self.layout = layout
        self.max_length = max_length
        self.truncation_strategy = truncation_strategy
        self.loss_scale = loss_scale
        self.strict = strict
        self.num_proc = num_proc
        self.shuffle = shuffle
        self.seed = seed
        self.cache_dir = cache_dir
        self.progress = progress
        self.hub = hub or {}
        self.options = options or LoadOptions()
        self.report = DataReport()
        self.sources: list[Source] = []
        self._reports: dict[int, SourceReport] = {}
        self._encode_key: str | None = None

    # -------------------------------------------------------------- cached map

    def map(self, ds: Dataset, function: Any, *, name: str, description: str, key: str,
            directory: str | None = None, num_proc: int | None = None, **kwargs: Any) -> Dataset:
        """``ds.map`` with our fingerprint ``key`` and a cache file next to ``ds``'s data (or in
        ``directory``); counts cache hits and misses."""
        import datasets

        cache_file = None
        if datasets.is_caching_enabled():
            if directory is None and ds.cache_files:
                directory = os.path.dirname(ds.cache_files[0]["filename"])
            if directory is not None:
                cache_file = os.path.join(directory, f"swiftkit-{name}-{key}.arrow")
        hit = cache_file is not None and self.options.load_from_cache_file and _cache_exists(cache_file)
        nproc = num_proc if num_proc is not None else min(self.num_proc, len(ds) // MIN_ROWS_PER_PROC)
        pool = nproc > 1 and len(ds) > 1
        with map_progress(self.progress, description), _frozen_heap():
            out = ds.map(
                function,
                batched=True,
                batch_size=_BATCH,
                num_proc=nproc if pool else None,
                new_fingerprint=key,
                cache_file_name=cache_file,
                load_from_cache_file=self.options.load_from_cache_file,
                **kwargs,
            )
        if cache_file is not None:
            if hit:
                self.report.cache_hits += 1
            else:
                self.report.cache_misses += 1
        return out

    # -------------------------------------------------------------- one source

    def source(self, arg: str, split: str) -> Dataset:
        import numpy as np

        src = resolve(arg, self.registry, custom=self.options.custom)
        index = len(self.sources)
        self.sources.append(src)
        with step(self.progress, f"load {src.label}") as done:
            raw = load(src, cache_dir=self.cache_dir, hub=self.hub, download_mode=self.options.download_mode,
                       columns=self.options.columns)
            done(len(raw))
        raw = self.substitute(src, raw)
        raw = _undecoded_media(raw)
        if len(raw) == 0 and src.bad_rows:  # no record could be read: nothing to detect a format from
            return self._unreadable(src, index, split)
        fmt = src.format or self._detect_format(src, raw.column_names)
        if ("format", fmt) not in self.registry:
            known = ", ".join(e.id for e in self.registry.entries("format"))
            note = self.registry.broken_note("format", fmt)
            raise DatasetError(f"{src.label}: its format {fmt!r} is not registered; known formats: {known}"
                               + (f"; {note}" if note else ""))
        converter = self.registry.converter(fmt)
        if not self.layout.accepts(fmt, converter):
            raise DatasetError(f"{src.label}: {self.layout.refusal(fmt, converter)}")
        spec = self.registry.get("format", fmt).spec
        from swiftkit.data.media import media_folder

        media_dir = media_folder(src)  # relative media paths are read from the dataset file's folder
        key = steps.fingerprint(
            "convert", steps.STEPS_VERSION, self.code_version(), raw._fingerprint, index,
            spec.to_dict(), steps.code_hash(converter), media_dir,
        )
        features = steps.converted_features(self.layout, raw.features)
        columns = [c for c in features if c not in steps.CONVERT_HELPERS]
        text = tuple(c for c in columns if c in src.json_columns and getattr(features[c], "dtype", None) == "string")
        converted = self.map(
            raw, steps.ConvertRows(self.layout, converter, index, columns, src.json_columns, text, media_dir=media_dir),
            name="convert",
            key=key, description=f"check {src.label}", with_indices=True, remove_columns=raw.column_names,
            features=features,
        )
        rep = SourceReport(name=src.label, split=split, kind=src.kind, format=fmt, rows_read=len(raw) + len(src.bad_rows),
                           sample=src.sample)
        bad = _nonempty(converted, "_reason")
        if bad or src.bad_rows:
            skipped = _skipped_rows(src, converted, bad)
            if self.strict:
                first = skipped[0]
                raise DatasetRowError(first.source, first.row, first.field, first.reason)
            reasons = _reasons(converted, bad)
            if src.bad_rows:
                reasons["malformed row"] = reasons.get("malformed row", 0) + len(src.bad_rows)
            self.report.add_skipped(skipped, len(bad) + len(src.bad_rows), reasons)
            rep.rows_skipped = len(bad) + len(src.bad_rows)
            if bad:
                keep = np.ones(len(converted), dtype=bool)
                keep[bad] = False
                converted = converted.select(np.flatnonzero(keep).tolist())
        rep.rows_valid = len(converted)
        converted = converted.remove_columns(["_field", "_reason"])
        if src.sample is not None:
            if rep.rows_valid == 0 and src.sample > 0:
                raise DatasetError(f"{src.label}: no valid rows to sample {src.sample} from")
            converted = converted.select(steps.sample_indices(len(converted), src.sample, self.seed))
        rep.rows_used = len(converted)
        self.report.sources.append(rep)
        self._reports[index] = rep
        return converted

    def substitute(self, src: Source, raw: Dataset) -> Dataset:
        """Self-cognition data: ``{{NAME}}`` / ``{{AUTHOR}}`` replaced by ``--model_name`` /
        ``--model_author`` in each row's language (:mod:`swiftkit.data.self_cognition`)."""
        from swiftkit.data import self_cognition

        names = self_cognition.names(self.options.model_name, self.options.model_author)
        if not self_cognition.applies(src.spec) or len(raw) == 0:
            return raw
        missing = [f"--model_{k}" for k in self_cognition.PLACEHOLDERS if k not in names]
        if missing:  # as in ms-swift the placeholders stay; the run should know it trains on them
            logger.warning("%s: %s not given: its rows keep %s as written", src.label, " and ".join(missing),
                           " and ".join(self_cognition.PLACEHOLDERS[k[8:]] for k in missing))
        if not names:
            return raw
        key = steps.fingerprint("self-cognition", steps.STEPS_VERSION, self.code_version(), raw._fingerprint, names,
                                steps.code_hash(self_cognition.Substitute(names)))
        return self.map(raw, self_cognition.Substitute(names), name="self-cognition", key=key,
                        description=f"name the model in {src.label}", features=raw.features)

    def _unreadable(self, src: Source, index: int, split: str) -> Dataset:
        """A source none of whose records is a JSON object: an error (strict) or every record
        skipped and counted, leaving no rows."""
        import datasets

        skipped = _skipped_rows(src, None, [])
        if self.strict:
            raise DatasetRowError(skipped[0].source, skipped[0].row, skipped[0].field, skipped[0].reason)
        self.report.add_skipped(skipped, len(src.bad_rows))
        rep = SourceReport(name=src.label, split=split, kind=src.kind, format=src.format or "(unreadable)",
                           rows_read=len(src.bad_rows), rows_skipped=len(src.bad_rows), sample=src.sample)
        if src.sample:
            raise DatasetError(f"{src.label}: no valid rows to sample {src.sample} from")
        self.report.sources.append(rep)
        self._reports[index] = rep
        features = steps.converted_features(self.layout, datasets.Features())
        return datasets.Dataset.from_dict({k: [] for k in features}, features=features).remove_columns(["_field", "_reason"])

    def code_version(self) -> list[Any]:
        """The machinery's and the layout's code and identity: part of every cache key, so
        that two layouts never share a cached step."""
        return [steps.steps_code(), *self.layout.fingerprint(), *steps.code_hash(self.layout)]

    def _detect_format(self, src: Source, columns: list[str]) -> str:
        layout = self.layout
        entries = [e for e in self.registry.entries("format") if layout.detects(e.id, self.registry.converter(e.id))]
        entries.sort(key=lambda e: not layout.prefers(e.id, self.registry.converter(e.id)))  # stable
        for entry in entries:
            if self.registry.converter(entry.id).matches(columns):
                return entry.id
        known = "; ".join(f"{e.id} ({', '.join(e.data.get('columns', []))})" for e in entries)
        note = self.registry.broken_note("format")
        raise DatasetError(
            f"{src.label}: cannot tell the format from its columns {sorted(columns)}; "
            f"known formats (with the columns that identify them): {known}" + (f"; {note}" if note else "")
        )

    # -------------------------------------------------------------- tokenization

    def encode_key(self) -> str:
        if self._encode_key is None:
            self._encode_key = steps.fingerprint(
                "encode", steps.STEPS_VERSION, self.code_version(), steps.tokenizer_fingerprint(self.tokenizer),
                steps.template_fingerprint(self.template) if self.template is not None else None,
                self.max_length, self.truncation_strategy, self.loss_scale,
            )
        return self._encode_key

    def encode(self, ds: Dataset, split: str) -> tuple[Dataset, TokenStats]:
        import numpy as np

        from swiftkit.core.data.layout import EncodeSettings

        converted = [c for c in ds.column_names if c not in steps.CONVERT_HELPERS]
        consumed = [c for c in self.layout.consumes(converted) if c in converted]
        features = steps.encoded_features(self.layout, ds.features, consumed)
        settings = EncodeSettings(template=self.template, tokenizer=self.tokenizer, max_length=self.max_length,
                                  truncation_strategy=self.truncation_strategy, loss_scale=self.loss_scale)
        encoded = list(self.layout.encoded_features({k: ds.features[k] for k in converted}))
        encoder = steps.EncodeRows(self.layout, settings, converted, encoded)
        key = steps.fingerprint(ds._fingerprint, self.encode_key())
        with steps.shared_with_workers(encoder):
            out = self.map(
                ds, encoder, name="encode", key=key, description=f"tokenize {split}",
                remove_columns=consumed, features=features,
            )
        status = _column(out, "_status").astype(str)
        errors = np.flatnonzero(status == steps.ERROR)
        if len(errors):
            rows = out.select(errors[:5].tolist()).select_columns(["_src", "_row", "_field", "_reason"]).to_list()
            skipped = []
            for r in rows:
                src = self.sources[r["_src"]]
                skipped.append(SkippedRow(src.label, line_numbers(src, [r["_row"]])[r["_row"]], r["_field"], r["_reason"]))
            if self.strict:
                first = skipped[0]
                raise DatasetRowError(first.source, first.row, first.field, first.reason)
            self.report.add_skipped(skipped, len(errors), _reasons(out, errors.tolist()))
            counts = np.bincount(_column(out, "_src")[errors], minlength=len(self.sources))
            for i, n in enumerate(counts):
                if n:
                    self._reports[i].rows_skipped += int(n)
        self.report.too_long += int((status == steps.TOO_LONG).sum())
        self.report.no_labels += int((status == steps.NO_LABELS).sum())
        keep = status == steps.OK
        self.report.truncated += int(_column(out, "_truncated")[keep].sum())
        lengths = _column(out, "length")[keep]
        trainable = _column(out, "_trainable")[keep]
        stats = TokenStats(
            rows=int(keep.sum()),
            tokens=int(lengths.sum()),
            trainable_tokens=int(trainable.sum()),
            min_length=int(lengths.min()) if len(lengths) else 0,
            max_length=int(lengths.max()) if len(lengths) else 0,
            mean_length=float(lengths.mean()) if len(lengths) else 0.0,
        )
        if not keep.all():
            out = out.select(np.flatnonzero(keep).tolist())
        out = out.remove_columns(["_src", "_row", "_status", "_field", "_reason", "_trainable", "_truncated"])
        if "media" in out.column_names and not _nonempty(out, "media"):
            out = out.remove_columns(["media"])  # text rows: the rows a text run always had
        return out, stats

    # -------------------------------------------------------------- packing

    def pack(self, ds: Dataset, split: str, stats: TokenStats, length: int, num_proc: int = 1) -> Dataset:
        """Rows of ``length`` tokens at most, each holding whole samples (first-fit decreasing)."""
        import datasets
        import numpy as np

        if "media" in ds.column_names and _nonempty(ds, "media"):
            raise DatasetError(f"--packing with media: the {split} rows hold images/videos/audios, and a packed row "
                               "would need each sample's pixel inputs and rotary positions kept apart, which the "
                               "multimodal families here do not do; drop --packing (batches are padded)")
        lengths = _column(ds, "length").tolist()
        if lengths and max(lengths) > length:
            raise DatasetError(f"packing_length {length} is shorter than the longest {split} row ({max(lengths)} "
                               "tokens, within max_length): raise --packing_length")
        bins = [sorted(b) for b in steps.pack_lengths(lengths, length)]
        if self.shuffle and bins:
            order = np.random.RandomState(self.seed).permutation(len(bins))
            bins = [bins[i] for i in order]
        groups = datasets.Dataset.from_dict({"_idx": bins}, features=datasets.Features({"_idx": steps._list(datasets.Value("int64"))}))
        directory = os.path.dirname(ds.cache_files[0]["filename"]) if ds.cache_files else None
        key = steps.fingerprint("pack", steps.STEPS_VERSION, steps.steps_code(), ds._fingerprint, length,
                                self.shuffle, self.seed)
        packed = self.map(
            groups, steps.PackRows(ds), name="pack", key=key, description=f"pack {split}", directory=directory,
            num_proc=min(num_proc, max(1, len(bins))), remove_columns=["_idx"], features=steps.packed_features(),
        )
        stats.packed_rows = len(packed)
        stats.packing_fill = stats.tokens / (len(packed) * length) if len(packed) else 0.0
        return packed


def _skipped_rows(src: Source, converted: Dataset | None, bad: list[int]) -> list[SkippedRow]:
    """The first malformed rows of a source in file order: records the loader could not read
    (``src.bad_rows``) and rows the convert step marked (``bad``: indices into ``converted``)."""
    out = [SkippedRow(src.label, line, field, reason) for line, field, reason in src.bad_rows[:_FIRST]]
    if bad and converted is not None:
        rows = converted.select(bad[:_FIRST]).select_columns(["_row", "_field", "_reason"]).to_list()
        where = line_numbers(src, [r["_row"] for r in rows])
        out += [SkippedRow(src.label, where[r["_row"]], r["_field"], r["_reason"]) for r in rows]
    return sorted(out, key=lambda r: r.row)[:_FIRST]


def _reasons(ds: Dataset, rows: list[int]) -> dict[str, int]:
    """The skipped rows ``rows`` of ``ds`` counted by reason (:func:`~swiftkit.data.report.skip_category`)."""
    from swiftkit.data.report import skip_category

    if not rows:
        return {}
    marked = ds.select(rows).select_columns(["_field", "_reason"]).to_dict()
    out: dict[str, int] = {}
    for field, reason in zip(marked["_field"], marked["_reason"], strict=True):
        key = skip_category(field, reason)
        out[key] = out.get(key, 0) + 1
    return out


def _undecoded_media(raw: Dataset) -> Dataset:
    """``raw`` with its ``datasets`` Image / Audio / Video columns left undecoded: the rows keep
    ``{"bytes", "path"}`` references instead of decoded pixels (decoding happens in the
    collator, a batch at a time)."""
    import datasets

    from swiftkit.data.media_column import RAW_COLUMNS

    def undecoded(feature: Any) -> Any:
        if hasattr(feature, "decode") and getattr(feature, "decode", False) is True:
            import dataclasses

            return dataclasses.replace(feature, decode=False)
        inner = getattr(feature, "feature", None)
        if inner is not None and isinstance(feature, datasets.Sequence | getattr(datasets, "List", datasets.Sequence)):
            changed = undecoded(inner)
            if changed is not inner:
                import copy

                out = copy.copy(feature)
                out.feature = changed
                return out
        return feature

    features = raw.features
    for column in RAW_COLUMNS:
        if column in features:
            new = undecoded(features[column])
            if new is not features[column]:
                raw = raw.cast_column(column, new)
    return raw


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """While a step runs: the objects alive now (imported torch, transformers ...) moved out of
    the garbage collector's reach (``gc.freeze``). The rows the step makes trigger collections;
    these no longer walk the whole heap, and a forked worker no longer copies every page of the
    heap it shares with this process by walking it."""
    import gc

    if not hasattr(gc, "freeze"):
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _cache_exists(cache_file: str) -> bool:
    if os.path.exists(cache_file):
        return True
    prefix, ext = os.path.splitext(cache_file)
    return bool(glob.glob(glob.escape(prefix) + "_*_of_*" + ext))


def _arrow_column(ds: Dataset, column: str) -> Any:
    """One column as a pyarrow array, in the dataset's row order (indices mapping applied)."""
    if ds._indices is None:
        return ds.data.column(column).combine_chunks()
    return ds.select_columns([column]).with_format("arrow")[:].column(column).combine_chunks()


def _column(ds: Dataset, column: str) -> Any:
    """One column as a numpy array (read through arrow, not row by row)."""
    import numpy as np

    if len(ds) == 0:
        return np.asarray([])
    return _arrow_column(ds, column).to_numpy(zero_copy_only=False)


def _nonempty(ds: Dataset, column: str) -> list[int]:
    """Indices of the rows whose string ``column`` is not empty."""
    import pyarrow.compute as pc

    if len(ds) == 0:
        return []
    return pc.indices_nonzero(pc.not_equal(_arrow_column(ds, column), "")).to_pylist()


@dataclass
class LoadOptions:
    """How sources are found, loaded and mixed (ms-swift's data arguments; defaults change nothing)."""

    #: reuse cached step results (``datasets.map``'s ``load_from_cache_file``)
    load_from_cache_file: bool = True
    #: ``datasets.load_dataset``'s ``download_mode`` (``None``: its default)
    download_mode: str | None = None
    #: renames applied to every source after loading, before its format is detected
    columns: Mapping[str, str] | None = None
    #: self-cognition placeholders: ``(zh, en)`` or one value for both, or None
    model_name: Any = None
    model_author: Any = None
    #: datasets registered for this call (``--custom_dataset_info``), by lower-cased name
    custom: Mapping[str, Any] | None = None
    #: mix several training sources with ``datasets.interleave_datasets`` at these probabilities
    interleave_prob: list[float] | None = None
    stopping_strategy: str = "first_exhausted"


@dataclass
class PreparedData:
    """The result of :func:`prepare_datasets`."""

    train: Any  #: datasets.Dataset
    val: Any  #: datasets.Dataset or None
    report: DataReport


def _concat(parts: list[Dataset]) -> Dataset:
    import datasets

    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def mix(parts: list[Any], options: LoadOptions, seed: int) -> Any:
    """Several sources as one: concatenated, or interleaved at ``options.interleave_prob``."""
    import datasets

    prob = options.interleave_prob
    if not prob:
        return _concat(parts)
    if len(prob) != len(parts):
        raise DatasetError(f"interleave_prob has {len(prob)} value(s) for {len(parts)} dataset(s); give one per --dataset")
    if abs(sum(prob) - 1.0) > 1e-6:
        raise DatasetError(f"interleave_prob must sum to 1, got {sum(prob):g} ({', '.join(map(str, prob))})")
    return datasets.interleave_datasets(parts, probabilities=list(prob), seed=seed,
                                        stopping_strategy=options.stopping_strategy)


def prepare_datasets(
    *,
    dataset: list[str] | str,
    val_dataset: list[str] | tuple[str, ...] | str = (),
    split_dataset_ratio: float = 0.0,
    registry: Registry | None = None,
    template: Any = None,
    tokenizer: Any = None,
    layout: DataLayout | None = None,
    mode: str = "sft",
    max_length: int | None = None,
    truncation_strategy: str = "delete",
    loss_scale: str = "default",
    strict: bool = True,
    num_proc: int = 1,
    shuffle: bool = True,
    seed: int = 42,
    packing: bool = False,
    packing_length: int | None = None,
    packing_num_proc: int = 1,
    cache_dir: str | None = None,
    console: Any = None,
    hub: Mapping[str, Any] | None = None,
    val_shuffle: bool = False,
    options: LoadOptions | None = None,
) -> PreparedData:
    """Load, validate, mix, split, tokenize (and optionally pack) datasets for training.

    - ``dataset`` / ``val_dataset``: local files (``.jsonl``, ``.json``, ``.csv``, ``.parquet``,
      ``.txt``), registered dataset ids/aliases/hub ids, or unregistered Hugging Face ids, each
      optionally ``NAME#N`` (sample N rows, seeded; more than there are repeats rows) and, for
      hub datasets, ``NAME:SUBSET[/SUBSET]``. Several are concatenated, then shuffled with
      ``seed`` when ``shuffle``.
    - ``split_dataset_ratio``: without ``val_dataset``, this share of the training rows (at
      least one) becomes the validation split (seeded).
    - ``layout``: the :class:`~swiftkit.core.data.layout.DataLayout` of the rows (the
      objective's ``data_layout()``): which formats feed it, how rows are converted, encoded and
      later batched. Without one, ``mode`` names a plain layout: ``"sft"`` (conversations; loss
      on the assistant replies as ``loss_scale`` says) or ``"pt"`` (plain text, every token;
      chat datasets are encoded by the template with every token trainable).
    - ``strict``: a malformed row raises :class:`DatasetRowError` (file, row, field); with
      ``False`` it is skipped, counted in the report, and the first 5 reasons kept and shown.
    - ``max_length`` / ``truncation_strategy``: ``"delete"`` drops longer rows, ``"left"`` /
      ``"right"`` cut tokens on that side; rows left with no label are dropped. All counted.
    - ``packing``: pack rows into ``max_length`` rows (``packing_length`` when given) with
      ``position_ids`` restarting per sample, written by ``packing_num_proc`` processes.
    - ``num_proc``: worker processes for conversion and tokenization; a step uses a pool only
      when each worker gets :data:`MIN_ROWS_PER_PROC` (10,000) rows or more (fewer where fewer
      do: starting the workers costs about a second), else it runs in the main process. Results
      are cached by ``datasets`` (under ``cache_dir``, default its own cache) and reused by a
      repeated call.
    - ``console``: a rich console for progress bars and the report; ``None`` is quiet except
      for warnings about dropped rows, which go to the ``swiftkit.data`` logger.
    - ``hub``: the run's ``use_hf`` / ``hub_token``: which hub a hub dataset comes from
      (default ``$USE_HF``, else Hugging Face).
    - ``val_shuffle``: shuffle the ``val_dataset`` rows (seeded).
    - ``options``: :class:`LoadOptions` (cache reuse, download mode, column renames,
      self-cognition names, datasets registered for the call, interleaving).
    """

    dataset = [dataset] if isinstance(dataset, str) else list(dataset or [])
    val_dataset = [val_dataset] if isinstance(val_dataset, str) else list(val_dataset or [])
    if layout is None:
        from swiftkit.data.layouts import layout_for_mode

        layout = layout_for_mode(mode)
    _check_args(dataset, layout, truncation_strategy, split_dataset_ratio or 0.0, packing_length or max_length, num_proc,
                packing, loss_scale)
    if tokenizer is None:
        raise DatasetError("prepare_datasets needs the tokenizer")
    if layout.needs_template and template is None:
        raise DatasetError(f"prepare_datasets needs the template in {layout.id} mode")
    if packing and not layout.packable:
        raise DatasetError(f"packing is not supported in {layout.id} mode")
    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    if template is not None and getattr(template, "requires_tokenizer", False) and getattr(template, "tokenizer", None) is None:
        template = template.bind(tokenizer)

    started = time.perf_counter()
    progress = make_progress(console)
    run = _Run(
        registry=registry, template=template, tokenizer=tokenizer, layout=layout, max_length=max_length,
        truncation_strategy=truncation_strategy, loss_scale=loss_scale, strict=strict, num_proc=num_proc,
        shuffle=shuffle, seed=seed, cache_dir=cache_dir, progress=progress, hub=hub, options=options,
    )
    with quiet_datasets(), (progress if progress is not None else contextlib.nullcontext()):
        train = mix([run.source(arg, "train") for arg in dataset], run.options, seed)
        if shuffle and len(train) > 1:
            train = train.shuffle(seed=seed)
        val = _concat([run.source(arg, "val") for arg in val_dataset]) if val_dataset else None
        if val is not None and val_shuffle and len(val) > 1:
            val = val.shuffle(seed=seed)
        if val is None and split_dataset_ratio and len(train):
            n_val = max(1, round(len(train) * split_dataset_ratio))
            if n_val >= len(train):
                raise DatasetError(
                    f"split_dataset_ratio {split_dataset_ratio} of {len(train)} rows leaves no training rows"
                )
            parts = train.train_test_split(test_size=n_val, shuffle=shuffle, seed=seed)
            train, val = parts["train"], parts["test"]
        train, run.report.train = run.encode(train, "train")
        if val is not None:
            val, run.report.val = run.encode(val, "val")
        if packing:
            length = packing_length or max_length
            train = run.pack(train, "train", run.report.train, length, packing_num_proc)
            if val is not None:
                val = run.pack(val, "val", run.report.val, length, packing_num_proc)
    run.report.seconds = time.perf_counter() - started
    if console is not None:
        run.report.render(console)
    else:
        for line in run.report.warnings():
            logger.warning(line)
    return PreparedData(train=train, val=val, report=run.report)
