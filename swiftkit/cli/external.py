"""``--external_plugins FILE.py ...`` on any ``swift`` command line (or ``external_plugins`` in
its ``--config`` file): the files are named in ``$SWIFTKIT_EXTERNAL_PLUGINS`` before the first
registry is built, so discovery imports them like installed plugins, and the worker processes
a launcher starts inherit them. A command continuing or loading a checkpoint takes the files its
run recorded in ``args.json``. Light: reads the arguments, a config file, an ``args.json``."""

from __future__ import annotations

import os

from swiftkit.core.plugins import ENV_EXTERNAL

_FLAGS = ("--external_plugins", "--external-plugins")
_CONFIG_FLAGS = ("--config", "--config_file", "--config-file")
#: the value this module put into the environment (so that a later command line without the
#: flag, in the same process, takes it out again)
_SET: list[str] = []


def _values(args: list[str], flags: tuple[str, ...]) -> list[str] | None:
    for i, arg in enumerate(args):
        name, eq, inline = arg.partition("=")
        if name in flags:
            if eq:
                return [inline]
            out = []
            for value in args[i + 1:]:
                if value.startswith("--"):
                    break
                out.append(value)
            return out
    return None


def _from_config_file(args: list[str]) -> list[str] | None:
    files = _values(args, _CONFIG_FLAGS)
    if not files:
        return None
    try:
        from swiftkit.core.config import load_config_file

        value = load_config_file(files[0]).get("external_plugins")
    except Exception:  # noqa: BLE001 - the command reports an unreadable config file itself
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else None


def _from_run_args(args: list[str]) -> list[str] | None:
    """The files a checkpoint's run used (its ``args.json``, or its run folder's), when the command
    line continues or loads that checkpoint (``--resume_from_checkpoint``, ``--model``, ``--adapters``)."""
    import json

    for flag in ("--resume_from_checkpoint", "--resume-from-checkpoint", "--model", "--adapters"):
        for folder in _values(args, (flag,)) or []:
            for path in (os.path.join(folder, "args.json"), os.path.join(os.path.dirname(os.path.normpath(folder)), "args.json")):
                try:
                    with open(path, encoding="utf-8") as fh:
                        value = json.load(fh).get("external_plugins")
                except (OSError, ValueError, AttributeError):
                    continue
                if value:
                    return [str(v) for v in value]
    return None


def activate(args: list[str]) -> None:
    """Name the plugin files of ``args`` in the environment and drop the process-wide registry
    when they change what it holds."""
    from swiftkit.core.errors import ConfigError
    from swiftkit.core.registry import set_registry

    files = _values(args, _FLAGS)
    if files is None:
        files = _from_config_file(args)
    if files is None:
        files = _from_run_args(args)
    if files is not None and not files:
        raise ConfigError("--external_plugins needs one or more Python files")
    if files is None:
        if _SET and os.environ.get(ENV_EXTERNAL) == _SET[0]:  # set by an earlier command line of this process
            del os.environ[ENV_EXTERNAL]
            _SET.clear()
            set_registry(None)
        return
    paths = [os.path.abspath(os.path.expanduser(f)) for f in files]
    for path in paths:
        if not os.path.isfile(path):
            raise ConfigError(f"--external_plugins: no such file: {path}")
    value = os.pathsep.join(paths)
    if os.environ.get(ENV_EXTERNAL) != value:
        os.environ[ENV_EXTERNAL] = value
        _SET[:] = [value]
        set_registry(None)


#: commands that take no run config: the flag only says which plugin files to show
LISTING_COMMANDS = frozenset({"plugins", "list", "info", "config-schema"})


def strip_for_listing(args: list[str]) -> list[str]:
    """``args`` without ``--external_plugins FILE ...`` when the command is a listing one (its
    options are click's, not run-config keys)."""
    if not args or args[0] not in LISTING_COMMANDS:
        return args
    out, skipping = [], False
    for arg in args:
        if arg.partition("=")[0] in _FLAGS:
            skipping = "=" not in arg
            continue
        if skipping and not arg.startswith("--"):
            continue
        skipping = False
        out.append(arg)
    return out
