"""``swift config-schema``: the run configuration's JSON Schema."""

from __future__ import annotations

import click

from swiftkit.cli.output import echo_json


@click.command("config-schema")
@click.option("--command", "command", help="Only options that apply to this command (sft, pt, rlhf, infer ...).")
@click.option("--train_type", "--train-type", "train_type", help="Compose for this tuner.")
@click.option("--rlhf_type", "--rlhf-type", "rlhf_type", help="Compose for this objective.")
@click.option("--infer_backend", "--infer-backend", "infer_backend", help="Compose for this engine.")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print YAML instead of JSON.")
@click.option("--ms-swift-compat", "--ms_swift_compat", "compat_csv", metavar="CSV",
              type=click.Path(exists=True, dir_okay=False),
              help="Instead of the schema, print the Markdown table of ms-swift's parameters (CSV columns "
                   "parameter, section) and what swiftkit does with each: accepted, alias, refused, missing "
                   "(docs/ms-swift-compat.md is this output).")
def config_schema_command(command: str | None, train_type: str | None, rlhf_type: str | None,
                          infer_backend: str | None, as_yaml: bool, compat_csv: str | None) -> None:
    """Print the JSON Schema of the run configuration: the core keys plus the option schemas of
    the chosen plugins (all installed plugins when none is chosen)."""
    from swiftkit.core.config import compose_schema, selected_plugins
    from swiftkit.core.registry import get_registry

    registry = get_registry()
    if compat_csv:
        if command or train_type or rlhf_type or infer_backend or as_yaml:
            raise click.UsageError("--ms-swift-compat composes over every plugin and command; give it alone")
        from swiftkit.cli.compat_table import compat_markdown

        click.echo(compat_markdown(registry, compat_csv), nl=False)
        return
    chosen = {k: v for k, v in {"train_type": train_type, "rlhf_type": rlhf_type, "infer_backend": infer_backend}.items() if v}
    for key, value in chosen.items():  # unknown ids get the registry's did-you-mean
        registry.get("engine" if key == "infer_backend" else "method", value)
    selected = selected_plugins(chosen, registry) if chosen else None
    schema = compose_schema(registry, selected=selected, command=command)
    if as_yaml:
        import yaml

        click.echo(yaml.safe_dump(schema, sort_keys=False))
    else:
        echo_json(schema)
