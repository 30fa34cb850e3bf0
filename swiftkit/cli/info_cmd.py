"""``swift info KIND ID``: one spec in full."""

from __future__ import annotations

import click

from swiftkit.cli.output import console, echo_json, kind_of


@click.command("info")
@click.argument("kind")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(kind: str, name: str, as_json: bool) -> None:
    """Show one spec: every field, its option schema, its requirements and whether they are
    met here, and the plugin it comes from. NAME may be an id, alias or hub id."""
    from swiftkit.core.registry import get_registry
    from swiftkit.core.requirements import check_requirement

    kind = kind_of(kind)
    entry = get_registry().get(kind, name)
    data = dict(entry.data)
    options = data.pop("options", None)
    requirements = [
        {"requirement": r, "met": met, "detail": detail}
        for r in data.get("requires", [])
        for met, detail in [check_requirement(r)]
    ]
    plugin = {"name": entry.plugin.name, "distribution": entry.plugin.dist, "version": entry.plugin.version, "module": entry.plugin.module}
    if as_json:
        echo_json({"kind": kind, "spec": data, "options": options, "requirements": requirements, "plugin": plugin})
        return
    from rich.json import JSON
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(f"[bold]{kind} {escape(entry.id)}[/bold]  from plugin [cyan]{escape(plugin['name'])}[/cyan] "
              f"({escape(plugin['distribution'])} {escape(plugin['version'])})")
    fields = Table(show_header=False, box=None, pad_edge=False)
    fields.add_column(style="bold")
    fields.add_column(overflow="fold")
    for key, value in data.items():
        fields.add_row(key, Text(value if isinstance(value, str) else repr(value)))
    out.print(fields)
    if options is not None:
        out.print("[bold]options[/bold] (JSON Schema, merged into the run configuration):")
        import json

        out.print(JSON(json.dumps(options)))
    if requirements:
        out.print("[bold]requirements[/bold]:")
        for r in requirements:
            mark = "[green]met[/green]" if r["met"] else "[red]missing[/red]"
            out.print(f"  {escape(r['requirement'])}: {mark} ({escape(r['detail'])})")
    else:
        out.print("[bold]requirements[/bold]: none beyond swiftkit's own")
