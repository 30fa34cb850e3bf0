"""``swift demo``: the built-in default job, offline and on CPU.

It walks one model through the plugin stack: discovery, registry lookup by hub id, a tiny
random model of the family's real architecture built offline, loading through the family's
loader, the family's chat template, and answers from the ``pt`` engine.
"""

from __future__ import annotations

import os
import tempfile
import time

import click

PROMPTS = ["What is the capital of France?", "Name a prime number.", "Say hello in Spanish."]


@click.command("demo")
@click.option("--model", default="Qwen/Qwen2.5-0.5B-Instruct", show_default=True,
              help="Registered model (id, alias or hub id) whose architecture and template the demo uses.")
@click.option("--output_dir", "--output-dir", "output_dir", default=None, help="Where to write the tiny model (default: a temp dir).")
@click.option("--max_new_tokens", "--max-new-tokens", "max_new_tokens", default=16, show_default=True, type=int)
def demo_command(model: str, output_dir: str | None, max_new_tokens: int) -> None:
    """Run the built-in demo: no download, CPU is enough."""
    from rich.markup import escape

    from swiftkit.core.cli.output import console
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.core.registry import get_registry

    out = console()
    t0 = time.perf_counter()
    registry = get_registry()
    ok = [p for p in registry.plugins if p.ok]
    out.print(f"[bold]1. discovery[/bold]: {len(ok)} plugins, {len(registry.entries('model'))} models, "
              f"{len(registry.entries('template'))} templates ({time.perf_counter() - t0:.2f} s)")

    entry = registry.resolve_model(model)
    spec = entry.spec
    out.print(f"[bold]2. registry[/bold]: {escape(model)} -> {spec.id} (family {spec.family}, {spec.architecture}, "
              f"template {spec.template}, {spec.params_billion} B params, context {spec.max_length}) "
              f"from {entry.plugin.dist} {entry.plugin.version}")

    from transformers.utils import logging as hf_logging

    from swiftkit.testing.tiny import build_tiny_model

    hf_logging.disable_progress_bar()

    folder = output_dir or os.path.join(tempfile.mkdtemp(prefix="swiftkit-demo-"), spec.id)
    t1 = time.perf_counter()
    build_tiny_model(spec.id, folder, registry=registry)
    out.print(f"[bold]3. tiny model[/bold]: a random {spec.architecture} with the same layer types, built offline "
              f"in {time.perf_counter() - t1:.1f} s -> {escape(folder)}")

    loader = registry.model_loader(folder)
    model_obj, tokenizer = loader.load(folder)
    n_params = sum(p.numel() for p in model_obj.parameters())
    out.print(f"[bold]4. load[/bold]: {type(model_obj).__name__} through {type(loader).__name__}, "
              f"{n_params:,} parameters, vocabulary {len(tokenizer)}")
    del model_obj

    template = registry.template(spec.template)
    prompt = template.render([{"role": "user", "content": PROMPTS[0]}], add_generation_prompt=True)
    out.print(f"[bold]5. template[/bold] {spec.template}: the prompt the model sees is {prompt!r}")

    engine_cls = registry.impl("engine", "pt")
    engine = engine_cls(registry.get("engine", "pt").spec, folder, template, {})
    sampling = SamplingOptions(max_tokens=max_new_tokens, temperature=0.0)
    t2 = time.perf_counter()
    answers = engine.infer([ChatRequest([{"role": "user", "content": p}], sampling) for p in PROMPTS])
    out.print(f"[bold]6. engine pt[/bold]: {len(PROMPTS)} prompts answered together in {time.perf_counter() - t2:.2f} s "
              "(random weights, so the answers are noise until `swift sft` trains them):")
    for p, a in zip(PROMPTS, answers, strict=True):
        out.print(escape(f"   {p} -> {a.text!r} [{a.finish_reason}, {a.completion_tokens} tokens]"))
    out.print(f"done in {time.perf_counter() - t0:.1f} s")
