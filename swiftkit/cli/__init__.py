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

#: name -> (module:attr, one-line help)
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("swiftkit.cli.list_cmd:list_command", "List installed models, templates, datasets, methods, engines ..."),
    "info": ("swiftkit.cli.info_cmd:info_command", "Show one spec in full: options, requirements, provenance."),
    "plugins": ("swiftkit.cli.plugins_cmd:plugins_group", "Show installed plugins and their status; check one."),
    "config-schema": ("swiftkit.cli.schema_cmd:config_schema_command", "Print the run-configuration JSON Schema."),
    "sft": ("swiftkit.cli.train_cmd:sft_command", "Supervised fine-tuning (ms-swift flags; --config FILE.yaml)."),
    "pt": ("swiftkit.cli.train_cmd:pt_command", "Continued pre-training on plain text."),
    "infer": ("swiftkit.cli.infer_cmd:infer_command", "Chat with a model in the terminal, or answer every row of --val_dataset."),
    "deploy": ("swiftkit.cli.deploy_cmd:deploy_command", "Serve a model over an OpenAI-compatible HTTP API (FastAPI + uvicorn)."),
    "export": ("swiftkit.cli.export_cmd:export_command", "Merge a LoRA checkpoint into a full model folder (--merge_lora)."),
    "rlhf": ("swiftkit.cli.train_cmd:rlhf_command", "Alignment: --rlhf_type dpo|kto|orpo|simpo|cpo|rm|ppo|grpo|gkd."),
    "demo": ("swiftkit.cli.demo_cmd:demo_command", "Run the built-in demo offline on CPU (tiny model, no download)."),
    "recommend": ("swiftkit.cli.recommend_cmd:recommend_command", "The cheapest training configuration that fits your GPUs, with its memory estimate."),
}


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


def main(argv: list[str] | None = None) -> None:
    from swiftkit.core.errors import SwiftkitError

    try:
        cli.main(args=argv, prog_name="swift", standalone_mode=False)
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
