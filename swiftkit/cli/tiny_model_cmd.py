"""``swift tiny-model``: a tiny random model of any registered family, in a folder you keep.

Something to practise on offline: the folder looks like a downloaded checkpoint (config,
safetensors weights, tokenizer with the family's chat template), so ``swift sft``, ``swift
infer``, ``swift deploy`` and ``swift export`` take it as ``--model DIR`` and recognise the
family from its ``config.json``. The weights are random: it learns, it knows nothing.
"""

from __future__ import annotations

import os
import time

import click


@click.command("tiny-model")
@click.option("--model", required=True,
              help="Registered model (id, alias, hub id or family) whose architecture and chat template to copy.")
@click.option("--output_dir", "--output-dir", "output_dir", required=True, help="Folder to write; created, must be empty.")
@click.option("--seed", default=0, show_default=True, type=int, help="The weights depend only on the seed.")
def tiny_model_command(model: str, output_dir: str, seed: int) -> None:
    """Build a tiny random model of a registered family offline and save it to --output_dir,
    ready for `swift sft --model DIR`. Nothing is downloaded."""
    from rich.markup import escape

    from swiftkit.cli.output import console
    from swiftkit.core.registry import get_registry

    if os.path.isdir(output_dir) and os.listdir(output_dir):
        raise click.UsageError(f"--output_dir {output_dir} is not empty; name a new or empty folder")
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise click.UsageError(f"--output_dir {output_dir} is a file; name a new or empty folder")
    registry = get_registry()
    spec = registry.resolve_model(model).spec

    from swiftkit.models.noise import quiet_transformers
    from swiftkit.models.tiny import build_tiny_model

    quiet_transformers()
    t0 = time.perf_counter()
    folder = build_tiny_model(spec, output_dir, registry=registry, seed=seed)
    size_mb = sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6
    out = console()
    out.print(f"tiny random {escape(spec.id)} ({spec.architecture}, template {spec.template}) written to "
              f"{escape(str(folder.resolve()))}: {size_mb:.1f} MB in {time.perf_counter() - t0:.1f} s", soft_wrap=True)
    out.print(f"try: swift sft --model {escape(str(folder))} --dataset swift-demo --max_steps 20", soft_wrap=True)
