"""A form's values as the ``swift ...`` command it runs, and that command read back.

The command line is the one source of truth: the page shows it (editable), validates it with
:func:`swiftkit.core.config.build_config` exactly as the CLI would, and runs it.
"""

from __future__ import annotations

import shlex
from typing import Any

from swiftkit.core.errors import ConfigError


def _is_list(sub: dict[str, Any]) -> bool:
    kind = sub.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def option_args(values: dict[str, str], props: dict[str, Any], defaults: dict[str, str] | None = None) -> list[str]:
    """``--key value`` arguments of the values that are set and differ from ``defaults``
    (key -> default text). A list key's text is split like a shell would (``a.jsonl "b c.jsonl"``);
    any other value is one argument."""
    defaults = defaults or {}
    args: list[str] = []
    for key, text in values.items():
        text = (text or "").strip()
        if not text or defaults.get(key) == text:
            continue
        args.append(f"--{key}")
        if _is_list(props.get(key, {})):
            try:
                args.extend(shlex.split(text))
            except ValueError:
                args.extend(text.split())
        else:
            args.append(text)
    return args


def command_line(command: str, args: list[str]) -> str:
    """``swift COMMAND ARGS`` quoted for a POSIX shell."""
    return shlex.join(["swift", command, *args])


def parse_command(text: str, expected: str | None = None) -> tuple[str, list[str]]:
    """``(command, args)`` of a ``swift COMMAND ARGS`` line; a line that is not one (or names
    another command than ``expected``) is a :class:`ConfigError` saying so."""
    try:
        words = shlex.split(text or "")
    except ValueError as exc:
        raise ConfigError(f"the command line does not parse ({exc}): {text!r}") from None
    if len(words) < 2 or words[0] != "swift":
        raise ConfigError(f"the command must start with 'swift COMMAND', got {text!r}")
    if expected and words[1] != expected:
        raise ConfigError(f"this tab runs 'swift {expected}', the command says 'swift {words[1]}'")
    return words[1], words[2:]


def check_command(registry: Any, command: str, args: list[str]) -> dict[str, Any]:
    """The validated run config of ``swift COMMAND ARGS`` (what the CLI would run), or the
    :class:`ConfigError` the CLI would print."""
    from swiftkit.cli.run_args import pop_config_file
    from swiftkit.core.config import build_config

    args, config_file = pop_config_file(args)
    return build_config(registry, command=command, cli_args=args, config_file=config_file)
