"""``swift list KIND``: what the installed plugins provide."""

from __future__ import annotations

from typing import Any

import click

from swiftkit.cli.output import echo_json, kind_of, provenance, table, warn_broken
from swiftkit.core.specs import SUPPORT_LEVELS


def _fmt_params(v: Any) -> str:
    return "" if v is None else f"{v:g}"


def _fmt_len(v: Any) -> str:
    if v is None:
        return ""
    for unit in (1024, 1000):  # 131072 -> 128k, 200000 -> 200k
        if v >= unit and v % unit == 0:
            return f"{v // unit}k"
    return str(v)


def _join(v: Any) -> str:
    return ", ".join(map(str, v or []))


def _support(d: dict[str, Any]) -> str:
    """``tested``, ``remote code``, ``unsupported`` (``untested`` when a plugin does not say)."""
    return str(d.get("support") or "untested").replace("_", " ")


def _quant(d: dict[str, Any]) -> str:
    """A pre-quantized checkpoint's format: ``gptq-int4``, ``fp8``; empty for the others."""
    quant = d.get("quant_method")
    if not quant:
        return ""
    return quant + (f"-int{d['quant_bits']}" if d.get("quant_bits") and quant in ("gptq", "awq", "bnb", "aqlm") else "")


#: kind -> [(column title, row -> text)]; the plugin provenance column is added to every kind
COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "model": [
        ("ID", lambda d: d["id"]),
        ("FAMILY", lambda d: d.get("family", "")),
        ("SUPPORT", lambda d: _support(d)),
        ("ARCHITECTURE", lambda d: d.get("architecture", "")),
        ("TEMPLATE", lambda d: d.get("template", "")),
        ("PARAMS (B)", lambda d: _fmt_params(d.get("params_billion"))),
        ("CONTEXT", lambda d: _fmt_len(d.get("max_length"))),
        ("QUANT", lambda d: _quant(d)),
        ("HUB ID", lambda d: d.get("hf_id") or d.get("ms_id") or ""),
    ],
    "template": [
        ("ID", lambda d: d["id"]),
        ("SYSTEM", lambda d: d.get("system_style", "")),
        ("STOP WORDS", lambda d: _join(d.get("stop_words"))),
        ("DESCRIPTION", lambda d: d.get("description", "")),
    ],
    "dataset": [
        ("ID", lambda d: d["id"]),
        ("FORMAT", lambda d: d.get("format", "")),
        ("SOURCE", lambda d: d.get("hf_id") or d.get("ms_id") or d.get("path") or ""),
        ("ROWS", lambda d: "" if d.get("num_rows") is None else str(d["num_rows"])),
        ("TAGS", lambda d: _join(d.get("tags"))),
    ],
    "format": [
        ("ID", lambda d: d["id"]),
        ("COLUMNS", lambda d: _join(d.get("columns"))),
        ("DESCRIPTION", lambda d: d.get("description", "")),
    ],
    "method": [
        ("ID", lambda d: d["id"]),
        ("KIND", lambda d: d.get("kind", "")),
        ("COMMAND", lambda d: d.get("command") or ""),
        ("OPTIONS", lambda d: _join((d.get("options") or {}).get("properties", {}))),
    ],
    "engine": [
        ("ID", lambda d: d["id"]),
        ("CAPABILITIES", lambda d: _join(d.get("capabilities"))),
        ("REQUIRES", lambda d: _join(d.get("requires"))),
    ],
    "strategy": [
        ("ID", lambda d: d["id"]),
        ("LAUNCHER", lambda d: d.get("launcher", "")),
        ("REQUIRES", lambda d: _join(d.get("requires"))),
    ],
    "reward": [("ID", lambda d: d["id"]), ("OPTIONS", lambda d: _join((d.get("options") or {}).get("properties", {}))),
               ("DESCRIPTION", lambda d: d.get("description", ""))],
    "command": [("ID", lambda d: d["id"]), ("DESCRIPTION", lambda d: d.get("description", ""))],
    "agent_template": [("ID", lambda d: d["id"]), ("ALIASES", lambda d: _join(d.get("aliases"))),
                       ("STOP WORDS", lambda d: _join(d.get("stop_words"))),
                       ("DESCRIPTION", lambda d: d.get("description", ""))],
    "eval_backend": [("ID", lambda d: d["id"]), ("ALIASES", lambda d: _join(d.get("aliases"))),
                     ("TARGETS", lambda d: _join(d.get("targets"))), ("LOCAL FORMATS", lambda d: _join(d.get("local_formats"))),
                     ("REQUIRES", lambda d: _join(d.get("requires"))), ("DESCRIPTION", lambda d: d.get("description", ""))],
    "exporter": [("ID", lambda d: d["id"]), ("STAGE", lambda d: d.get("stage", "convert")),
                 ("SELECTED BY", lambda d: _join(f"--{k} {'|'.join(str(v).lower() for v in vals)}"
                                                 for k, vals in (d.get("selected_by") or {}).items())),
                 ("REQUIRES", lambda d: _join(d.get("requires"))), ("DESCRIPTION", lambda d: d.get("description", ""))],
}

#: columns of prose or lists, which wrap between words; every other column keeps a cell on one line
WRAP = ("SYSTEM", "STOP WORDS", "DESCRIPTION", "TAGS", "COLUMNS", "OPTIONS", "CAPABILITIES", "REQUIRES", "SELECTED BY",
        "LOCAL FORMATS")

#: kind -> the columns a narrow console hides first (the ID column always stays); others from the right
DROP_ORDER: dict[str, tuple[str, ...]] = {
    "model": ("HUB ID", "ARCHITECTURE", "CONTEXT", "TEMPLATE", "PLUGIN", "QUANT", "FAMILY", "PARAMS (B)", "SUPPORT"),
    "dataset": ("TAGS", "SOURCE", "PLUGIN", "ROWS", "FORMAT"),
    "template": ("PLUGIN", "SYSTEM", "STOP WORDS", "DESCRIPTION"),
}


@click.command("list")
@click.argument("kind")
@click.argument("search", required=False)
@click.option("--family", help="Only models of this family (model type).")
@click.option("--tag", help="Only specs with this tag (e.g. text, vision, moe, instruct).")
@click.option("--plugin", "plugin", help="Only specs from this plugin or distribution.")
@click.option("--support", type=click.Choice(list(SUPPORT_LEVELS)),
              help="Only models of this support level.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(kind: str, search: str | None, family: str | None, tag: str | None, plugin: str | None,
                 support: str | None, as_json: bool) -> None:
    """List what the installed plugins provide.

    KIND is one of models, templates, agent-templates, datasets, formats, methods, engines,
    strategies, rewards, eval-backends, exporters, commands. SEARCH keeps entries whose id, hub id, family or description contains it.
    """
    from swiftkit.core.registry import get_registry

    kind = kind_of(kind)
    registry = get_registry()
    entries = registry.find(kind, family=family, tag=tag, plugin=plugin, search=search)
    if support:
        entries = [e for e in entries if (e.data.get("support") or "untested") == support]
    if as_json:
        echo_json(
            [
                {**e.data, "kind": kind, "plugin": {"name": e.plugin.name, "distribution": e.plugin.dist, "version": e.plugin.version}}
                for e in entries
            ]
        )
        return
    warn_broken(registry)
    columns = COLUMNS.get(kind, [("ID", lambda d: d["id"])])
    rows = [[fn(e.data) for _, fn in columns] + [provenance(e)] for e in entries]
    titles = [c for c, _ in columns] + ["PLUGIN"]
    drop = DROP_ORDER.get(kind, ("PLUGIN", *reversed(titles[1:-1])))
    table(f"{len(rows)} {kind}(s)", titles, rows, wrap=WRAP, drop_order=drop)
