"""What every run command (sft, pt, rlhf, infer, deploy, export) does with its raw arguments:
take ``--config FILE`` out, and print the main options with their schema descriptions."""

from __future__ import annotations

import click


def pop_config_file(args: list[str]) -> tuple[list[str], str | None]:
    """Take ``--config FILE`` (or ``--config_file`` / ``--config-file``) out of ``args``."""
    args = list(args)
    config_file = None
    for flag in ("--config", "--config_file", "--config-file"):
        if flag in args:
            i = args.index(flag)
            if i + 1 >= len(args):
                raise click.UsageError(f"{flag} needs a file")
            config_file = args[i + 1]
            del args[i : i + 2]
    return args, config_file


def print_help(command: str, usage: str, keys: list[str], intro: str = "") -> None:
    """``usage``, then ``intro``, then ``keys`` with their type and description from the
    composed run-config schema of ``command``."""
    from swiftkit.cli.output import console
    from swiftkit.core.config import compose_schema
    from swiftkit.core.registry import get_registry

    props = compose_schema(get_registry(), command=command)["properties"]
    out = console()
    out.print(usage, markup=False, highlight=False)
    if intro:
        out.print(intro, markup=False, highlight=False)
    out.print(f"\nMain options (all run-config keys are accepted as --key or --key-name; "
              f"`swift config-schema --command {command}` lists every one):", markup=False, highlight=False)
    width = max(map(len, keys)) + 2
    for key in keys:
        sub = props.get(key, {})
        kind = sub.get("type") or ("one of " + ", ".join(map(str, sub["enum"])) if "enum" in sub else "")
        if isinstance(kind, list):  # ["string", "null"]
            kind = "|".join(map(str, kind))
        out.print(f"  --{key:<{width}} {kind:<12} {sub.get('description', '')}", markup=False, highlight=False)
