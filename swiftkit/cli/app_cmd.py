"""``swift app``: (being built for issue 15; see the module of the machinery it drives)."""

from __future__ import annotations

import click

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


@click.command("app", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def app_command(args: tuple[str, ...]) -> None:
    """(issue 15)"""
    raise click.ClickException("swift app is not available in this build yet")
