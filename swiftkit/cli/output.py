"""Shared output helpers: rich tables for people, JSON for programs."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from swiftkit.core.specs import PLURALS


def kind_of(name: str) -> str:
    """``models`` or ``model`` -> ``model``; anything else is a usage error with the choices."""
    low = name.lower()
    if low in PLURALS:
        return PLURALS[low]
    if low in PLURALS.values():
        return low
    import difflib

    near = difflib.get_close_matches(low, list(PLURALS), n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    raise click.BadParameter(f"{name!r} is not a kind; choose from {', '.join(PLURALS)}.{hint}", param_hint="KIND")


def echo_json(data: Any) -> None:
    """Indented for a terminal; one line for a pipe or a file (json's C encoder, ~10x faster on
    a catalogue of a thousand models, and what ``jq`` and programs read either way)."""
    indent = 2 if sys.stdout.isatty() else None
    click.echo(json.dumps(data, indent=indent, ensure_ascii=False))


#: width of output that goes to a pipe or a file when COLUMNS does not say
PIPE_WIDTH = 120


def _width(stream: Any) -> int | None:
    """COLUMNS when set; else the terminal's own width, or PIPE_WIDTH for a pipe or a file."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if stream.isatty() else PIPE_WIDTH


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, soft_wrap=False, width=_width(stream))


def table(title: str | None, columns: list[str], rows: list[list[str]], markup_columns: tuple[int, ...] = (), *,
          wrap: tuple[str, ...] = (), drop_order: tuple[str, ...] | None = None) -> None:
    """Print a table that fits the console; cells are literal text (templates hold ``[INST]``)
    except in ``markup_columns``.

    Cells never break inside a word: the columns named in ``wrap`` (prose, lists) wrap between
    words, every other column (ids, names, numbers) keeps each cell on one line. When even that
    is wider than the console, columns are hidden in ``drop_order`` (default: from the right;
    the first column always stays) and a last line names them.
    """
    if not markup_columns and _plain_table(title, columns, rows, wrap, drop_order):
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    cells = [[Text.from_markup(c) if i in markup_columns else Text(c) for i, c in enumerate(row)] for row in rows]
    order = [c for c in (columns[:0:-1] if drop_order is None else drop_order) if c in columns[1:]]
    hidden: list[str] = []
    while True:
        shown = [i for i, c in enumerate(columns) if c not in hidden]
        t = Table(title=title, header_style="bold", show_lines=False)
        for i in shown:
            words = columns[i] in wrap
            t.add_column(columns[i], no_wrap=not words, overflow="fold")
        for row in cells:
            t.add_row(*(row[i] for i in shown))
        if not order or _narrowest(out, t) <= out.width:
            break
        hidden.append(order.pop(0))
    out.print(t)
    if hidden:
        out.print(f"not shown at {out.width} columns: {', '.join(hidden)}; --json shows all")


#: rows from which a table is drawn without rich: its measuring costs ~1 ms a row
PLAIN_FROM_ROWS = 200


def _plain_table(title: str | None, columns: list[str], rows: list[list[str]], wrap: tuple[str, ...],
                 drop_order: tuple[str, ...] | None) -> bool:
    """Draw a long table in rich's heavy-head box without rich (``swift list models`` with the
    whole catalogue); ``False`` when rich is needed: a short table, or prose that must wrap."""
    if len(rows) < PLAIN_FROM_ROWS:
        return False
    from rich.cells import cell_len

    width = _width(sys.stdout) or _terminal_width()
    natural = [max(cell_len(c) for c in [title_, *(row[i] for row in rows)]) for i, title_ in enumerate(columns)]
    narrow = [max(cell_len(w) for c in [t, *(row[i] for row in rows)] for w in (c.split() or [""])) if t in wrap else n
              for i, (t, n) in enumerate(zip(columns, natural, strict=True))]
    order = [c for c in (columns[:0:-1] if drop_order is None else drop_order) if c in columns[1:]]
    hidden: list[str] = []

    def total(widths: list[int]) -> int:
        shown = [w for c, w in zip(columns, widths, strict=True) if c not in hidden]
        return sum(shown) + 3 * len(shown) + 1  # a space either side of each cell, the box's rules

    while order and total(narrow) > width:
        hidden.append(order.pop(0))
    if total(natural) > width:
        return False  # a prose column must wrap: rich does that
    shown = [i for i, c in enumerate(columns) if c not in hidden]
    widths = [natural[i] for i in shown]

    def line(cells: list[str], left: str, sep: str, right: str) -> str:
        return left + sep.join(f" {c}{' ' * (w - cell_len(c))} " for c, w in zip(cells, widths, strict=True)) + right

    def rule(left: str, fill: str, sep: str, right: str) -> str:
        return left + sep.join(fill * (w + 2) for w in widths) + right

    out = []
    if title:
        out.append(title.center(sum(widths) + 3 * len(widths) + 1))
    out.append(rule("┏", "━", "┳", "┓"))
    out.append(line([columns[i] for i in shown], "┃", "┃", "┃"))
    out.append(rule("┡", "━", "╇", "┩"))
    out.extend(line([row[i] for i in shown], "│", "│", "│") for row in rows)
    out.append(rule("└", "─", "┴", "┘"))
    if hidden:
        import textwrap

        out.extend(textwrap.wrap(f"not shown at {width} columns: {', '.join(hidden)}; --json shows all", width))
    click.echo("\n".join(out))
    return True


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size().columns


def _narrowest(out: Any, t: Any) -> int:
    """The table's width with every wrapping column at its longest word and every other column
    at its longest cell: the narrowest it can print without breaking a word."""
    from rich.measure import Measurement

    widths = []
    for column in t.columns:
        cells = [column.header, *column.cells]
        if column.no_wrap:
            widths.append(max(Measurement.get(out, out.options, c).maximum for c in cells))
        else:
            widths.append(max(Measurement.get(out, out.options, c).minimum for c in cells))
    padding = 2 * len(widths)  # one space either side of every cell
    rules = len(widths) + 1  # the box's vertical lines
    return sum(widths) + padding + rules


def warn_broken(registry: Any) -> None:
    """One line on stderr when plugins were skipped, so a broken plugin is never silent."""
    broken = [p for p in registry.plugins if p.status == "error"]
    if broken:
        names = ", ".join(p.name for p in broken[:5]) + (" ..." if len(broken) > 5 else "")
        click.echo(f"warning: {len(broken)} plugin(s) skipped ({names}); see `swift plugins`", err=True)


def provenance(entry: Any) -> str:
    return f"{entry.plugin.dist} {entry.plugin.version}"


def flush() -> None:
    sys.stdout.flush()
