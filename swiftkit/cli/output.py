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
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (grep, less, files) keeps whole rows instead of rich's 80-column default.
    width = None if stream.isatty() else 240
    return Console(stderr=stderr, soft_wrap=False, width=width)


def table(title: str | None, columns: list[str], rows: list[list[str]], markup_columns: tuple[int, ...] = ()) -> None:
    """Print a table; cells are literal text (templates hold ``[INST]``) except in ``markup_columns``."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, header_style="bold", show_lines=False)
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*(Text.from_markup(c) if i in markup_columns else Text(c) for i, c in enumerate(row)))
    console().print(t)


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
