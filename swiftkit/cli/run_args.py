"""What every run command (sft, pt, rlhf, infer, deploy, export) does with its raw arguments:
take ``--config FILE`` out, print the main options with their schema descriptions, and let
plugins adjust the validated configuration."""

from __future__ import annotations

import copy
from typing import Any

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


def adjust_config(registry: Any, command: str, config: dict[str, Any]) -> dict[str, Any]:
    """The run config after every plugin's ``swift_config_adjust`` hook, validated again
    against the schema of the plugins it now selects. Unchanged (and not copied) when no
    plugin implements the hook."""
    from swiftkit.core.config import build_config, compose_schema
    from swiftkit.core.errors import ConfigError
    from swiftkit.core.hookcall import call_each, hook_error, implementers

    hook = "swift_config_adjust"
    if not implementers(registry, hook):
        return config
    adjusted = copy.deepcopy(config)
    before = copy.deepcopy(config)
    changed_by = []  # the plugins whose call changed the config: they are named if it is invalid
    for plugin, returned in call_each(registry, hook, config=adjusted, command=command):
        if returned is not None:
            raise hook_error(registry, hook, f"returned {type(returned).__name__}; it must change the config in place "
                                             "and return None", plugin)
        if adjusted != before:
            changed_by.append(plugin)
            before = copy.deepcopy(adjusted)
    if adjusted == config:
        return config
    # keys left at their default are dropped, so that one the adjustment deselects (a tuner's
    # option when train_type changes) is not taken for a stray option; the defaults are refilled
    props = compose_schema(registry, command=command)["properties"]
    given = {k: v for k, v in adjusted.items()
             if not (k in config and config[k] == v and "default" in props.get(k, {}) and props[k]["default"] == v)}
    try:
        return build_config(registry, command=command, overrides=given)
    except ConfigError as exc:
        raise hook_error(registry, hook, f"the adjusted configuration is invalid: {exc}", changed_by) from None
