"""``swift export``: turn a training checkpoint into a model folder other tools load.

    swift export --model output/v0-xxx/checkpoint-100 --merge_lora            # -> checkpoint-100-merged
    swift export --model Qwen/Qwen2.5-7B-Instruct --adapters ckpt --merge_lora --output_dir merged --overwrite
    swift export --model output/v0-xxx/checkpoint-100                        # ZeRO shards -> checkpoint-100-consolidated
    swift export --model output/v0-xxx/checkpoint-100                        # freeze's trained weights -> checkpoint-100-merged
    swift export --model Qwen/Qwen2.5-7B-Instruct --dataset train.jsonl --to_cached_dataset true --output_dir cached
    swift export --model output/v0-xxx/checkpoint-100 --quant_method bnb --quant_bits 4   # merged, then nf4
    swift export --model Qwen/Qwen2.5-7B-Instruct --quant_method bnb --dry_run true        # what would be written

Export steps (``swift list exporters``: ``--quant_method``, ``--to_gguf``, ``--push_to_hub`` ...) run
through :mod:`swiftkit.export.pipeline`: merge first, then each step by stage, written into a
staging folder renamed into place only when every step succeeded, with an ``export.json``.

``--to_cached_dataset true`` tokenizes ``--dataset`` as training would and writes the rows for
``--cached_dataset`` (:mod:`swiftkit.export.cached_dataset`). ``--merge_lora`` writes the base with the adapter merged, its tokenizer carrying the training
template as ``chat_template`` (checked to render the same prompts), and an ``args.json``;
see :mod:`swiftkit.export.merge`. Without it, a checkpoint a sharded strategy wrote
(DeepSpeed ZeRO) is gathered into ``<checkpoint>-consolidated``
(:mod:`swiftkit.export.consolidate`), and a checkpoint only its tuner can read back (``freeze``
saves just the weights it trained) is written out whole like ``--merge_lora`` does.
"""

from __future__ import annotations

import click

from swiftkit.cli.run_args import adjust_config, pop_config_file, print_help

_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}

_HELP_KEYS = ["model", "adapters", "merge_lora", "to_cached_dataset", "dataset", "output_dir", "overwrite", "template",
              "torch_dtype", "quant_method", "quant_n_samples", "max_length", "dry_run", "quality_check"]


def run_export(args: list[str]) -> None:
    from rich.markup import escape

    from swiftkit.cli.output import console
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry

    if "--help" in args or "-h" in args:
        print_help("export", "Usage: swift export --model CHECKPOINT --merge_lora [--output_dir DIR] [--overwrite]",
                   _HELP_KEYS)
        return
    args, config_file = pop_config_file(args)
    registry = get_registry()
    config = adjust_config(registry, "export", build_config(registry, command="export", cli_args=args, config_file=config_file))
    from swiftkit.models.noise import quiet_transformers

    quiet_transformers()
    out = console()
    if config.get("to_cached_dataset"):
        from swiftkit.export.cached_dataset import export_cached_dataset

        cached = export_cached_dataset(config, registry, log=lambda text: out.print(escape(text), highlight=False),
                                       console=out)
        out.print(f"[bold green]done[/bold green] in {cached.seconds:.1f} s: {escape(cached.output_dir)} "
                  f"({cached.train_rows} training rows, {cached.val_rows} validation rows; {cached.model_id}, "
                  f"template {cached.template}, layout {cached.layout})")
        return
    from swiftkit.core.config import selected_exporters

    if selected_exporters(config, registry) or config.get("quant_method") is not None:
        _run_pipeline(config, registry, out)
        return
    if config.get("dry_run"):
        from swiftkit.core.errors import ConfigError

        raise ConfigError("--dry_run lists what export steps would write or upload: add one (--quant_method, "
                          "--to_gguf, --push_to_hub ...; `swift list exporters`)")
    if config.get("merge_lora"):
        from swiftkit.export.merge import merge_lora

        result = merge_lora(config, registry, log=lambda text: out.print(escape(text), highlight=False))
    else:  # a sharded (ZeRO) checkpoint gathered into a plain model folder
        from swiftkit.export.consolidate import consolidate

        result = consolidate(config, registry, log=lambda text: out.print(escape(text), highlight=False))
    for note in result.notes:
        out.print(escape(note), highlight=False)
    parity = "chat_template checked against the template" if result.parity_checked else "tokenizer's own chat_template"
    out.print(f"[bold green]done[/bold green] in {result.seconds:.1f} s: {escape(result.output_dir)} "
              f"({result.model_id}, template {result.template}; {parity})")


def _run_pipeline(config: dict, registry: object, out: object) -> None:
    from rich.markup import escape

    from swiftkit.export.pipeline import run_export_pipeline

    result = run_export_pipeline(config, registry, log=lambda text: out.print(escape(text), highlight=False))
    for note in result.notes:
        out.print(escape(f"note: {note}"), highlight=False)
    for step in result.steps:
        figures = ", ".join(f"{k} {v}" for k, v in step.metrics.items() if isinstance(v, (int, float, str)))
        files = ", ".join(step.files[:8]) + (f" (+{len(step.files) - 8} more)" if len(step.files) > 8 else "")
        verb = "would write" if result.dry_run else "wrote"
        out.print(escape(f"{step.exporter} ({step.stage}, {step.seconds:.1f} s): {verb} {files or 'nothing'}"
                         + (f"; {figures}" if figures else "")), highlight=False)
    if result.dry_run:
        where = "dry run, nothing written" + (f" (output folder would be {result.output_dir})" if result.output_dir else "")
    else:
        where = result.output_dir or f"published {result.source_dir}"
    out.print(f"[bold green]done[/bold green] in {result.seconds:.1f} s: {escape(where)}")


@click.command("export", context_settings=_SETTINGS, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def export_command(args: tuple[str, ...]) -> None:
    """Write a training checkpoint as a complete model folder (--merge_lora for adapters)."""
    run_export(list(args))
