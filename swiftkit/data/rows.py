"""Dataset rows as conversations, without tokenizing: what ``swift infer`` asks a model.

``--val_dataset`` arguments take the same syntax as ``--dataset`` (local files, registered
datasets, hub ids, ``#N``) and the same formats (messages, sharegpt, alpaca, query/response);
each row goes through the format's converter and the pipeline's row checks
(:class:`swiftkit.data.steps.ConvertRows`), so a malformed row is reported exactly as
training reports it (file, row, field), or skipped and counted with ``strict=False``::

    rows = read_conversations(["val.jsonl#100"], registry=registry)
    for row in rows:
        prompt, reference = split_prompt(row.messages)

Rows with media (ms-swift's ``images`` / ``videos`` / ``audios`` columns) keep them as training
reads them (:mod:`swiftkit.data.media_column`: relative paths resolved against the dataset file's
folder, missing tags prepended, references checked); ``swift infer`` sends them with the prompt.

``datasets`` is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from swiftkit.core.data.errors import DatasetError, DatasetRowError

if TYPE_CHECKING:
    from swiftkit.core.registry import Registry

_CHUNK = 1000


@dataclass
class ConversationRow:
    """One converted row: the canonical conversation, where it came from."""

    messages: list[dict[str, str]]
    source: str  #: the dataset's label (the path as given, or the registered id)
    row: int  #: 1-based, as in the file (the line number for ``.jsonl``)
    #: the row's media, one per tag in order: absolute paths, http(s) URLs or data URLs (a
    #: video may be a list of frames)
    images: list[Any] = field(default_factory=list)
    videos: list[Any] = field(default_factory=list)
    audios: list[Any] = field(default_factory=list)


@dataclass
class Conversations:
    """The result of :func:`read_conversations`: the rows, and how many were skipped."""

    rows: list[ConversationRow]
    skipped: int = 0
    first_skipped: list[str] | None = None  #: the first reasons, "file row N: field 'x': why"


def _conversations() -> Any:
    """sft's layout, also reading the formats of the preference and prompt layouts (their
    converters return the prompt as ``messages``); plain text is refused with sft's reason."""
    from swiftkit.data.layouts import SFTLayout

    class Conversations(SFTLayout):
        def accepts(self, format_id: str, converter: Any) -> bool:
            return super().accepts(format_id, converter) or "pt" not in (self.format_modes(converter) or ())

    return Conversations()


def _detect_format(registry: Registry, label: str, columns: list[str], layout: Any) -> str:
    entries = [e for e in registry.entries("format") if layout.detects(e.id, registry.converter(e.id))]
    for entry in entries:
        if registry.converter(entry.id).matches(columns):
            return entry.id
    known = "; ".join(f"{e.id} ({', '.join(e.data.get('columns', []))})" for e in entries)
    note = registry.broken_note("format")
    raise DatasetError(
        f"{label}: cannot tell the format from its columns {sorted(columns)}; "
        f"known formats (with the columns that identify them): {known}" + (f"; {note}" if note else "")
    )


def _convert(src: Any, raw: Any, index: int, registry: Registry, layout: Any) -> tuple[list[ConversationRow], list[tuple[int, str, str]]]:
    """The rows of one source converted: ``(good rows, [(record, field, reason), ...])``."""
    from swiftkit.data import steps

    fmt = src.format or _detect_format(registry, src.label, raw.column_names, layout)
    if ("format", fmt) not in registry:
        known = ", ".join(e.id for e in registry.entries("format"))
        note = registry.broken_note("format", fmt)
        raise DatasetError(f"{src.label}: its format {fmt!r} is not registered; known formats: {known}"
                           + (f"; {note}" if note else ""))
    converter = registry.converter(fmt)
    if not layout.accepts(fmt, converter):
        raise DatasetError(f"{src.label}: {layout.refusal(fmt, converter)}")
    from swiftkit.data.media import media_folder
    from swiftkit.data.media_column import read_column

    convert = steps.ConvertRows(layout, converter, index, ["messages", "media"], src.json_columns,
                                media_dir=media_folder(src))
    good: list[ConversationRow] = []
    bad: list[tuple[int, str, str]] = []
    for start in range(0, len(raw), _CHUNK):
        stop = min(start + _CHUNK, len(raw))
        converted = convert(raw[start:stop], list(range(start, stop)))
        for messages, media, row, field_name, reason in zip(
            converted["messages"], converted["media"], converted["_row"], converted["_field"], converted["_reason"],
            strict=True,
        ):
            if reason:
                bad.append((row, field_name, reason))
                continue
            stored = read_column(media)
            good.append(ConversationRow(messages=messages, source=src.label, row=row, images=stored.get("images") or [],
                                        videos=stored.get("videos") or [], audios=stored.get("audios") or []))
    return good, bad


def read_conversations(
    dataset: list[str] | tuple[str, ...] | str,
    *,
    registry: Registry | None = None,
    strict: bool = True,
    seed: int = 42,
    cache_dir: str | None = None,
    hub: Mapping[str, Any] | None = None,
    options: Any = None,
) -> Conversations:
    """Read every argument of ``dataset`` into canonical conversations, in order.

    ``#N`` samples N rows as in training (seeded by ``seed``). A malformed row raises
    :class:`~swiftkit.core.data.errors.DatasetRowError` naming the file, the row and the field;
    with ``strict=False`` it is skipped and counted. Datasets in a format made for other data
    layouts (plain text for pre-training, preference pairs ...) are refused. ``hub``: the
    command's ``use_hf`` / ``hub_token`` for hub datasets. ``options``: the command's
    :class:`~swiftkit.data.pipeline.LoadOptions` (``--columns``, ``--custom_dataset_info``,
    ``--download_mode``, ``--model_name`` / ``--model_author``), as in training.
    """
    from swiftkit.data import self_cognition, steps
    from swiftkit.data.progress import quiet_datasets
    from swiftkit.data.sources import line_numbers, load, resolve

    args = [dataset] if isinstance(dataset, str) else list(dataset or [])
    if not args:
        raise DatasetError("no dataset given (registered dataset ids or local files)")
    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    layout = _conversations()
    out = Conversations(rows=[], first_skipped=[])
    for index, arg in enumerate(args):
        src = resolve(arg, registry, custom=getattr(options, "custom", None))
        with quiet_datasets():
            raw = load(src, cache_dir=cache_dir, hub=hub, download_mode=getattr(options, "download_mode", None),
                       columns=getattr(options, "columns", None))
            names = self_cognition.names(getattr(options, "model_name", None), getattr(options, "model_author", None))
            if names and self_cognition.applies(src.spec) and len(raw):
                raw = raw.map(self_cognition.Substitute(names), batched=True, features=raw.features)
        good: list[ConversationRow] = []
        bad: list[tuple[int, str, str]] = []
        if len(raw) or not src.bad_rows:  # else no record could be read: nothing to detect a format from
            good, bad = _convert(src, raw, index, registry, layout)
        if bad or src.bad_rows:
            where = line_numbers(src, [r for r, _, _ in bad[:5]])
            first = sorted([(where[r], f, why) for r, f, why in bad[:5]] + src.bad_rows[:5])[:5]
            if strict:
                row, field, reason = first[0]
                raise DatasetRowError(src.label, row, field, reason)
            out.skipped += len(bad) + len(src.bad_rows)
            for row, field, reason in first:
                if len(out.first_skipped or []) < 5:
                    out.first_skipped.append(f"{src.label} row {row}: field {field!r}: {reason}")  # type: ignore[union-attr]
        if good:
            lines = line_numbers(src, [r.row for r in good])
            for r in good:
                r.row = lines[r.row]
        if src.sample is not None:
            if not good and src.sample > 0:
                raise DatasetError(f"{src.label}: no valid rows to sample {src.sample} from")
            good = [good[i] for i in steps.sample_indices(len(good), src.sample, seed)]
        out.rows.extend(good)
    return out


def split_prompt(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """A conversation as ``(prompt, reference)``: without its final assistant reply, and that
    reply (``None`` when the conversation does not end with one)."""
    if messages and messages[-1].get("role") == "assistant":
        return [dict(m) for m in messages[:-1]], messages[-1].get("content")
    return [dict(m) for m in messages], None
