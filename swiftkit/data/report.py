"""What the dataset pipeline did, for the user and for tests: :class:`DataReport`.

Standard library only (imported by :mod:`swiftkit.data` itself, which must stay light).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: how many skipped rows the report keeps with their reasons
MAX_REASONS = 5


@dataclass
class SkippedRow:
    """A row left out with ``strict=False``: where it is and why."""

    source: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source} row {self.row}: field {self.field!r}: {self.reason}"


@dataclass
class SourceReport:
    """One ``--dataset`` / ``--val_dataset`` argument."""

    name: str  #: as the user wrote it, without ``#N``
    split: str  #: "train" or "val"
    kind: str  #: "file", "bundled" or "hub"
    format: str  #: the format its rows were read in
    rows_read: int = 0  #: rows in the file / hub split
    rows_skipped: int = 0  #: malformed rows left out (``strict=False``)
    rows_valid: int = 0  #: rows that converted
    sample: int | None = None  #: the ``#N`` asked for
    rows_used: int = 0  #: rows taken into the split (after ``#N``)


@dataclass
class TokenStats:
    """Lengths of the encoded rows of one split (before packing)."""

    rows: int = 0
    tokens: int = 0
    trainable_tokens: int = 0
    min_length: int = 0
    max_length: int = 0
    mean_length: float = 0.0
    packed_rows: int | None = None  #: rows after packing (``None`` without packing)
    packing_fill: float | None = None  #: tokens / (packed rows * max_length)


@dataclass
class DataReport:
    """Everything :func:`swiftkit.data.prepare_datasets` did to the data; nothing is dropped
    without being counted here."""

    sources: list[SourceReport] = field(default_factory=list)
    skipped: int = 0  #: malformed rows left out (``strict=False``), all sources
    skipped_rows: list[SkippedRow] = field(default_factory=list)  #: the first :data:`MAX_REASONS`
    #: skipped rows by reason (:func:`skip_category`: ``missing file``, ``undecodable image``,
    #: ``tag mismatch``, ``grounding``, ``unreachable url``, ``malformed row`` ...)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    too_long: int = 0  #: rows longer than ``max_length`` dropped (``truncation_strategy="delete"``)
    truncated: int = 0  #: rows cut to ``max_length`` (``"left"`` / ``"right"``)
    no_labels: int = 0  #: rows with nothing left to learn (every label -100) dropped
    train: TokenStats = field(default_factory=TokenStats)
    val: TokenStats | None = None
    cache_hits: int = 0  #: processing steps answered from the datasets cache
    cache_misses: int = 0  #: processing steps computed
    seconds: float = 0.0

    @property
    def reused_cache(self) -> bool:
        """Whether every processing step came from the cache (a repeated run)."""
        return self.cache_hits > 0 and self.cache_misses == 0

    @property
    def rows_read(self) -> int:
        return sum(s.rows_read for s in self.sources)

    def add_skipped(self, rows: list[SkippedRow], count: int, reasons: dict[str, int] | None = None) -> None:
        """Count ``count`` skipped rows (``rows``: the first of them, with their reasons).
        ``reasons``: the same rows counted by :func:`skip_category` (default: from ``rows``,
        the rest as ``malformed row``)."""
        self.skipped += count
        if reasons is None:
            reasons = {}
            for r in rows[:count]:
                key = skip_category(r.field, r.reason)
                reasons[key] = reasons.get(key, 0) + 1
            rest = count - sum(reasons.values())
            if rest > 0:
                reasons["malformed row"] = reasons.get("malformed row", 0) + rest
        for key, n in reasons.items():
            self.skipped_by_reason[key] = self.skipped_by_reason.get(key, 0) + int(n)
        room = MAX_REASONS - len(self.skipped_rows)
        if room > 0:
            self.skipped_rows.extend(rows[:room])

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["reused_cache"] = self.reused_cache
        return out

    # ------------------------------------------------------------------ text

    def warnings(self) -> list[str]:
        """One line per thing the user should know was left out or changed."""
        lines = []
        if self.skipped:
            first = "; ".join(str(r) for r in self.skipped_rows)
            by = ""
            if self.skipped_by_reason and set(self.skipped_by_reason) != {"malformed row"}:
                by = " (" + ", ".join(f"{n} {k}" for k, n in sorted(self.skipped_by_reason.items(),
                                                                     key=lambda kv: (-kv[1], kv[0]))) + ")"
            lines.append(
                f"skipped {self.skipped} malformed row(s) of {self.rows_read}{by} (strict=False); "
                f"first {len(self.skipped_rows)}: {first}"
            )
        if self.too_long:
            lines.append(f"dropped {self.too_long} row(s) longer than max_length (truncation_strategy='delete')")
        if self.truncated:
            lines.append(f"truncated {self.truncated} row(s) to max_length")
        if self.no_labels:
            lines.append(f"dropped {self.no_labels} row(s) with no trainable token left (all labels -100)")
        return lines

    def summary(self) -> list[str]:
        """Short plain-text lines: the splits and their token statistics."""
        lines = []
        for name, st in (("train", self.train), ("val", self.val)):
            if st is None:
                continue
            line = (
                f"{name}: {st.rows} rows, {st.tokens} tokens ({st.trainable_tokens} trainable), "
                f"length min/mean/max {st.min_length}/{st.mean_length:.1f}/{st.max_length}"
            )
            if st.packed_rows is not None:
                line += f", packed into {st.packed_rows} rows ({(st.packing_fill or 0) * 100:.1f}% full)"
            lines.append(line)
        if self.cache_hits or self.cache_misses:
            lines.append(
                "cache: reused" if self.reused_cache else f"cache: {self.cache_hits} step(s) reused, {self.cache_misses} computed"
            )
        return lines

    def render(self, console: Any) -> None:
        """Print the report on a rich console: a table of sources, the warnings, the summary."""
        from rich.table import Table
        from rich.text import Text

        table = Table(title="datasets", title_justify="left", show_edge=False, pad_edge=False)
        for col in ("split", "dataset", "format", "read", "skipped", "used"):
            table.add_column(col, justify="right" if col in ("read", "skipped", "used") else "left")
        for s in self.sources:
            used = f"{s.rows_used}" + (f" (#{s.sample})" if s.sample is not None else "")
            table.add_row(
                Text(s.split), Text(s.name), Text(s.format), str(s.rows_read), str(s.rows_skipped), Text(used)
            )
        console.print(table)
        for line in self.warnings():
            console.print(Text("warning: " + line, style="yellow"))
        for line in self.summary():
            console.print(Text(line))


#: fields of the multimodal columns (their skips are counted by what went wrong with the medium)
_MEDIA_FIELDS = ("images", "videos", "audios", "objects", "media")


def skip_category(field: str, reason: str) -> str:
    """The reason a row was skipped, to count skips by: a medium's problem
    (:func:`media_reason`: ``missing file``, ``undecodable image``,
    ``unreachable url``, ``too large``, ``tag mismatch``, ``grounding``, ``bad value``), else
    ``malformed row``."""
    category = media_reason(field, reason)
    if category == "bad value" and not field.startswith(_MEDIA_FIELDS):
        return "malformed row"
    return category


def media_reason(field: str, reason: str) -> str:
    """What went wrong with a medium (``missing file``, ``undecodable image``, ``unreachable url``,
    ``too large``, ``tag mismatch``, ``grounding``), ``bad value`` otherwise."""
    if field.startswith("objects"):
        return "grounding"
    for needle, name in (("file not found", "missing file"), ("cannot read", "missing file"),
                         ("not a decodable", "undecodable image"), ("cannot fetch", "unreachable url"),
                         (" tag(s) ", "tag mismatch"), ("box ", "grounding"), ("larger than the limit", "too large"),
                         ("cannot decode audio", "undecodable audio"), ("not a decodable video", "undecodable video"),
                         ("no video stream", "undecodable video")):
        if needle in reason:
            return name
    return "bad value"
