"""``swift info KIND ID``: one spec in full."""

from __future__ import annotations

import json
import os

import click

from swiftkit.cli.output import console, echo_json, kind_of


def _how_folder_matched(folder: str, model_id: str) -> str:
    """Which of the folder's files named the model, as :meth:`Registry.resolve_model` reads them."""
    for run_args in (os.path.join(folder, "args.json"), os.path.join(os.path.dirname(os.path.normpath(folder)), "args.json")):
        try:
            with open(run_args, encoding="utf-8") as fh:
                if json.load(fh).get("model_id") == model_id:
                    return f"recorded as the run's model in {run_args}"
        except (OSError, ValueError, AttributeError):
            continue
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return "matched by name"
    return (f"config.json model_type={config.get('model_type')!r}, architectures={config.get('architectures')} "
            "(the first registered model of that architecture whose name or chat template matches)")


def _support_summary(data: dict) -> dict:
    """The model's support level, what it promises, why, and what its pre-quantized format needs
    here (packages looked up without importing them)."""
    from swiftkit.core.specs import QUANT_METHODS, SUPPORT_LEVELS
    from swiftkit.models.support import QUANT_NEEDS, missing_packages

    level = data.get("support") or "untested"
    summary = {"level": level, "meaning": SUPPORT_LEVELS.get(level, ""), "note": data.get("support_note") or ""}
    quant = data.get("quant_method")
    if quant:
        bits = f" {data['quant_bits']}-bit" if data.get("quant_bits") else ""
        needs = QUANT_NEEDS.get(quant)
        missing = missing_packages(quant)
        packages = ", ".join(pip for _, pip in needs.packages) if needs else "nothing known"
        cpu = needs.cpu_note if needs and needs.cpu_note else "needs a CUDA GPU"
        summary["quantization"] = (f"pre-quantized: {QUANT_METHODS.get(quant, quant)}{bits}; needs {packages}"
                                   + (f" (missing here: {', '.join(missing)})" if missing else " (installed)")
                                   + f"; without a GPU: {cpu}")
    return summary


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
    registry = get_registry()
    matched = None
    if kind == "model" and os.path.isdir(name):
        # a local folder names its model as for `swift sft --model DIR`
        entry = registry.resolve_model(name)
        matched = {"folder": os.path.abspath(name), "how": _how_folder_matched(name, entry.id)}
    else:
        entry = registry.get(kind, name)
    data = dict(entry.data)
    options = data.pop("options", None)
    requirements = [
        {"requirement": r, "met": met, "detail": detail}
        for r in data.get("requires", [])
        for met, detail in [check_requirement(r)]
    ]
    plugin = {"name": entry.plugin.name, "distribution": entry.plugin.dist, "version": entry.plugin.version, "module": entry.plugin.module}
    support = _support_summary(data) if kind == "model" else None
    if as_json:
        echo_json({"kind": kind, "spec": data, "options": options, "requirements": requirements, "plugin": plugin,
                   **({"matched": matched} if matched else {}), **({"support": support} if support else {})})
        return
    from rich.json import JSON
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    out = console()
    out.print(f"[bold]{kind} {escape(entry.id)}[/bold]  from plugin [cyan]{escape(plugin['name'])}[/cyan] "
              f"({escape(plugin['distribution'])} {escape(plugin['version'])})")
    if matched:
        out.print(f"local folder {escape(matched['folder'])} is {escape(entry.id)}: {escape(matched['how'])}")
    fields = Table(show_header=False, box=None, pad_edge=False)
    fields.add_column(style="bold")
    fields.add_column(overflow="fold")
    for key, value in data.items():
        fields.add_row(key, Text(value if isinstance(value, str) else repr(value)))
    out.print(fields)
    if support:
        out.print(f"[bold]support[/bold]: {escape(support['level'])} -- {escape(support['meaning'])}")
        if support.get("note"):
            out.print(f"  {escape(support['note'])}")
        if support.get("quantization"):
            out.print(f"  {escape(support['quantization'])}")
    if options is not None:
        out.print("[bold]options[/bold] (JSON Schema, merged into the run configuration):")
        out.print(JSON(json.dumps(options)))
    if requirements:
        out.print("[bold]requirements[/bold]:")
        for r in requirements:
            mark = "[green]met[/green]" if r["met"] else "[red]missing[/red]"
            out.print(f"  {escape(r['requirement'])}: {mark} ({escape(r['detail'])})")
    else:
        out.print("[bold]requirements[/bold]: none beyond swiftkit's own")
