"""The ``swift`` command.

Commands are mounted lazily: the group knows each command's name, module and one-line help,
and imports the module only when that command runs. Plugin commands come from the registry's
``command`` specs the same way, so ``swift --help`` imports no plugin and nothing heavy.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from swiftkit import __version__
from swiftkit.core.commands import CORE_COMMANDS

__all__ = ["CORE_COMMANDS", "cli", "main"]

class LazyGroup(click.Group):
    def _plugin_commands(self) -> dict[str, tuple[str, str]]:
        from swiftkit.core.registry import get_registry

        try:
            entries = get_registry().entries("command")
        except Exception:  # discovery itself failing must not hide the core commands
            return {}
        return {e.id: (e.data["impl"], e.data.get("description", "")) for e in entries}

    def _all(self) -> dict[str, tuple[str, str]]:
        return {**self._plugin_commands(), **CORE_COMMANDS}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self._all())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = CORE_COMMANDS.get(name) or (None if name in CORE_COMMANDS else self._plugin_commands().get(name))
        if target is None:
            return None
        from swiftkit.core.lazy import resolve

        return resolve(target[0], click.Command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help lines come from the table, so listing commands imports none of them.
        rows = [(name, short) for name, (_, short) in sorted(self._all().items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # --external_plugins: the files must be plugins before any command builds the registry
        from swiftkit.cli.external import activate, strip_for_listing

        activate(list(args))
        return super().parse_args(ctx, strip_for_listing(list(args)))

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[Any, Any, list[str]]:
        name = args[0] if args else None
        if name and not name.startswith("-") and name not in CORE_COMMANDS and name not in self._all():
            import difflib

            near = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="swiftkit")
def cli() -> None:
    """swiftkit: discover, fine-tune, align, serve and export large language models.

    Everything is a plugin: `swift plugins` shows what is installed, `swift list models`
    what it provides.
    """
    from swiftkit.models.noise import silence_third_party_noise

    silence_third_party_noise()  # stdlib logging only: before any command imports DeepSpeed or bitsandbytes


#: whether this process is the command itself (``swift ...`` from a shell), not a caller of :func:`main`
#: with its own arguments: only then may a training command keep unused packages out of it
OWN_PROCESS = False


def main(argv: list[str] | None = None) -> None:
    from swiftkit.core.errors import SwiftkitError

    global OWN_PROCESS
    OWN_PROCESS = argv is None
    try:
        cli.main(args=argv, prog_name="swift", standalone_mode=False)
        if OWN_PROCESS:
            from swiftkit.cli.fast_exit import finish

            finish(0)  # after a model command: skip the interpreter's teardown of torch & co.
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except SwiftkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ImportError as exc:
        from swiftkit.train.lean_imports import hint

        note = hint(exc)
        if note is None:
            raise
        click.echo(f"error: {exc}\n  {note}", err=True)
        sys.exit(2)
