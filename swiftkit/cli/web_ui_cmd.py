"""``swift web-ui``: a board in the browser (Gradio) that builds sft / rlhf / infer / deploy /
eval / export runs from forms, runs them, and shows their logs and loss curves; see
:mod:`swiftkit.ui.web_ui`.

    swift web-ui                                            # http://127.0.0.1:7860/
    swift web-ui --server_name 0.0.0.0 --server_port 7861 --lang zh --studio_title "My board"

The forms are composed from the same run-config schema the CLI validates against, so every
installed plugin's options appear on them. Runs are ``swift ...`` subprocesses of this
interpreter; their logs go to ``output/web-ui-logs/`` under the current folder. ``--share`` (a
public gradio.live link) is refused offline.
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["server_name", "server_port", "lang", "studio_title", "share"]


def run_web_ui_command(args: list[str]) -> None:
    if "--help" in args or "-h" in args:
        print_help("web-ui", "Usage: swift web-ui [--server_name HOST] [--server_port PORT] [--lang en|zh] "
                   "[--studio_title TITLE]", _HELP_KEYS,
                   intro="Serves a board (Gradio) that builds sft/rlhf/infer/deploy/eval/export runs from forms, "
                   "runs them, streams their logs and loss curves, lists and stops them, and chats with a result.")
        return
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.ui.web_ui.page import run_web_ui

    registry = get_registry()
    args, config_file = pop_config_file(list(args))
    config = adjust_config(registry, "web-ui", build_config(registry, command="web-ui", cli_args=args,
                                                             config_file=config_file))
    run_web_ui(config, registry=registry, echo=click.echo)


@click.command("web-ui", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def web_ui_command(args: tuple[str, ...]) -> None:
    """A web UI (Gradio) that builds, runs and watches sft/rlhf/infer/deploy/eval/export runs."""
    run_web_ui_command(list(args))
