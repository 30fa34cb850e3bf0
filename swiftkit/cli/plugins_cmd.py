"""``swift plugins`` and ``swift plugins check NAME``."""

from __future__ import annotations

import sys

import click

from swiftkit.cli.output import console, echo_json, table


@click.group("plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--refresh", is_flag=True, help="Ignore the index cache and discover again.")
@click.pass_context
def plugins_group(ctx: click.Context, as_json: bool, refresh: bool) -> None:
    """Show each installed plugin: distribution, version, what it contributes, status and reason
    (with --external_plugins FILE.py ..., those files too)."""
    if ctx.invoked_subcommand is not None:
        return
    from swiftkit.core import plugins
    from swiftkit.core.registry import Registry, set_registry

    # --external_plugins was put into the environment when the command line was read (swiftkit.cli.external)
    if refresh and not plugins.external_paths():
        discovery = plugins.discover()
        plugins.save_index(discovery)
    else:
        discovery = plugins.load()
    set_registry(Registry(discovery))
    records = discovery.plugins
    if as_json:
        echo_json(
            [
                {"name": p.name, "group": p.group, "module": p.module, "distribution": p.dist, "version": p.version,
                 "status": p.status, "reason": p.reason, "counts": p.counts, "hooks": p.hooks}
                for p in records
            ]
        )
        return
    style = {"ok": "[green]ok[/green]", "error": "[red]error[/red]", "blocked": "[yellow]blocked[/yellow]"}
    rows = [
        [p.name, p.dist, p.version, p.group.removeprefix("swiftkit."),
         ", ".join([*(f"{n} {k}{'s' if n != 1 else ''}" for k, n in p.counts.items()),
                    *(h.removeprefix("swift_") + " hook" for h in p.hooks)]), style.get(p.status, p.status), p.reason]
        for p in records
    ]
    table(f"{len(records)} plugin(s)", ["PLUGIN", "DISTRIBUTION", "VERSION", "GROUP", "CONTRIBUTES", "STATUS", "REASON"], rows,
          markup_columns=(5,), wrap=("CONTRIBUTES", "REASON"), drop_order=("GROUP", "DISTRIBUTION", "VERSION", "CONTRIBUTES"))


@plugins_group.command("check")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def check_command(name: str, as_json: bool) -> None:
    """Validate plugin NAME: load it, validate its specs, import every lazy reference and check
    its type, and check references to other plugins' specs. Exits 1 on any failure."""
    from swiftkit.core.checks import check_plugin

    results = check_plugin(name)
    failed = [r for r in results if not r.ok]
    if as_json:
        echo_json([r.__dict__ for r in results])
    else:
        rows = [[r.subject, r.check, "[green]ok[/green]" if r.ok else "[red]FAIL[/red]", r.detail] for r in results]
        table(f"plugin check: {name}", ["SUBJECT", "CHECK", "RESULT", "DETAIL"], rows, markup_columns=(2,), wrap=("DETAIL",))
        console().print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)
