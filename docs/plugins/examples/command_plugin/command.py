"""``swift template-preview`` (behaviour: imported only when the command runs)."""

from __future__ import annotations

import json

import click

SAMPLE = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
]


@click.command("template-preview")
@click.argument("template")
@click.option("--system", default=None, help="System prompt of the sample conversation (default: a short one).")
@click.option("--json", "as_json", is_flag=True, help="Print the segments as JSON.")
def template_preview(template: str, system: str | None, as_json: bool) -> None:
    """Render a sample conversation with TEMPLATE; trainable text is shown in [[...]]."""
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.core.registry import get_registry

    messages = [dict(m) for m in SAMPLE]
    if system is not None:
        messages[0]["content"] = system
    try:
        segments = get_registry().template(template).render_segments(messages)
    except SwiftkitError as exc:  # an unknown template: the message carries suggestions
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:  # e.g. a template that needs a tokenizer to render
        raise click.ClickException(f"template {template!r} cannot render without a tokenizer: {exc}") from None
    if as_json:
        click.echo(json.dumps([{"text": text, "trainable": trainable} for text, trainable in segments]))
    else:
        click.echo("".join(f"[[{text}]]" if trainable else text for text, trainable in segments))
