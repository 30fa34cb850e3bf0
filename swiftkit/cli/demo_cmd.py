"""``swift demo``: the built-in default job, offline and on CPU.

A tiny random model of a registered family's real architecture is built offline, asked a few
questions from the bundled ``swift-demo`` dataset, fine-tuned on that dataset with
``swift sft`` (the same code path as any run), and asked again. The demo prints the loss
curve's ends and how many answers match the dataset before and after.
"""

from __future__ import annotations

import os
import re
import tempfile
import time

import click

DEMO_DATASET = "swift-demo"
EVAL_PROMPTS = 8


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def _demo_rows(registry: object) -> list[dict]:
    """The demo dataset's conversations, read through the registry like any dataset."""
    from swiftkit.data.rows import read_conversations

    return [{"messages": r.messages} for r in read_conversations([DEMO_DATASET], registry=registry).rows]


@click.command("demo")
@click.option("--model", default="Qwen/Qwen2.5-0.5B-Instruct", show_default=True,
              help="Registered model whose architecture and chat template the tiny model copies.")
# A tiny model's weights are random, so there is no pretrained knowledge for an adapter to steer:
# the demo trains all weights by default (`--train_type lora` runs the adapter path instead).
@click.option("--train_type", "--train-type", "train_type", default="full", show_default=True, help="Tuner to train with.")
@click.option("--max_steps", "--max-steps", "max_steps", default=400, show_default=True, type=int)
@click.option("--output_dir", "--output-dir", "output_dir", default=None, help="Where the tiny model and the run go (default: a temp dir).")
def demo_command(model: str, train_type: str, max_steps: int, output_dir: str | None) -> None:
    """Run the built-in demo: build a tiny model offline, fine-tune it on the bundled dataset
    with `swift sft`, and compare its answers before and after. No download; CPU is enough."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from swiftkit.cli.output import console
    from swiftkit.core.registry import get_registry

    out = console()
    t0 = time.perf_counter()
    registry = get_registry()
    entry = registry.resolve_model(model)
    spec = entry.spec
    out.print(f"[bold]model[/bold]: {escape(model)} -> {spec.id} ({spec.architecture}, template {spec.template}) "
              f"from {entry.plugin.dist} {entry.plugin.version}; a tiny random copy of its architecture is built offline")

    from swiftkit.core.config import build_config
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.models.tiny import build_tiny_model
    from swiftkit.train.run import run_training

    quiet_transformers()
    if "OMP_NUM_THREADS" not in os.environ:
        import torch

        # a 2-layer, 128-wide model gains nothing from intra-op threads, and threads spinning on a
        # busy CPU cost a lot: on a shared 2-core machine the demo took 137 s with 2 threads, 50 s with 1
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        click.get_current_context().call_on_close(lambda: torch.set_num_threads(threads))  # in-process callers
    root = output_dir or tempfile.mkdtemp(prefix="swiftkit-demo-")
    rows = _demo_rows(registry)
    corpus = [m["content"] for r in rows for m in r["messages"]] * 4
    folder = build_tiny_model(spec.id, os.path.join(root, "tiny-model"), registry=registry, tokenizer_corpus=corpus,
                              vocab_size=1024, hidden_size=128, intermediate_size=256, num_hidden_layers=2)
    where = "a temp folder; --output_dir DIR keeps it where you choose" if output_dir is None else "--output_dir"
    out.print(f"tiny model: {escape(str(folder.resolve()))} ({where})", soft_wrap=True)  # a path stays whole
    evals = rows[:EVAL_PROMPTS]
    template = registry.template(spec.template)
    engine_spec = registry.get("engine", "pt").spec
    sampling = SamplingOptions(max_tokens=24, temperature=0.0)

    def ask(adapter: str | None) -> list[str]:
        engine = registry.impl("engine", "pt")(engine_spec, str(folder), template, {})
        requests = [ChatRequest([r["messages"][0]], sampling, adapter=adapter) for r in evals]
        return [a.text for a in engine.infer(requests)]

    before = ask(None)
    # the demo's recipe for a tiny random model: adapters (what the tuner's spec says it trains)
    # need a larger step and rank, and the output head adapted too, to learn the answers
    from swiftkit.resources.profiles import tuner_profile

    adapters = tuner_profile(train_type, registry).adapters
    takes = (registry.get("method", train_type).data.get("options") or {}).get("properties", {})
    adapter_flags = {"lora_rank": ["32"], "lora_alpha": ["64"], "target_modules": ["all-linear", "lm_head"]}
    config = build_config(registry, command="sft", cli_args=[
        "--model", str(folder), "--dataset", DEMO_DATASET, "--train_type", train_type,
        "--max_steps", str(max_steps), "--per_device_train_batch_size", "8", "--learning_rate", "2e-2" if adapters else "5e-3",
        "--lr_scheduler_type", "cosine", "--warmup_ratio", "0.05", "--weight_decay", "0", "--logging_steps", str(min(10, max_steps)),
        "--save_steps", str(max_steps), "--output_dir", os.path.join(root, "output"), "--report_to", "none",
        *(arg for key, values in adapter_flags.items() if adapters and key in takes for arg in (f"--{key}", *values)),
    ])
    result = run_training(config, command="sft", registry=registry, console=out)
    if adapters:
        after = ask(result.last_checkpoint)
    else:
        from swiftkit.infer.factory import create_engine

        # read back by the checkpoint's own tuner, as `swift infer --model CHECKPOINT` does
        engine, _ = create_engine({"model": result.last_checkpoint, "infer_backend": "pt"}, registry)
        after = [a.text for a in engine.infer([ChatRequest([r["messages"][0]], sampling) for r in evals])]

    expected = [r["messages"][1]["content"] for r in evals]
    hits_before = sum(_normalise(a) == _normalise(e) for a, e in zip(before, expected, strict=True))
    hits_after = sum(_normalise(a) == _normalise(e) for a, e in zip(after, expected, strict=True))
    table = Table(title="answers before and after fine-tuning", show_lines=True)
    for col in ("prompt", "dataset answer", "before", "after"):
        table.add_column(col, overflow="fold")
    for r, e, b, a in zip(evals, expected, before, after, strict=True):
        table.add_row(Text(r["messages"][0]["content"]), Text(e), Text(repr(b)), Text(repr(a)))
    out.print(table)
    curve = [r["loss"] for r in result.log if "loss" in r]
    loss = f"loss {curve[0]:.3f} -> {curve[-1]:.3f}" if curve else "no loss logged"
    out.print(f"{loss} over {result.global_step} steps ({train_type}); "
              f"answers matching the dataset: before {hits_before}/{len(evals)}, after {hits_after}/{len(evals)}")
    out.print(f"run folder: {escape(os.path.abspath(result.run_dir))} (args.json, logging.jsonl, loss_curve.png, checkpoints); "
              f"total {time.perf_counter() - t0:.1f} s", soft_wrap=True)
    out.print(f"tiny model: {escape(str(folder.resolve()))}; train on it: swift sft --model {escape(str(folder.resolve()))} "
              f"--dataset {DEMO_DATASET}", soft_wrap=True)
    if output_dir is None:
        out.print("[yellow]both live in a temp folder the system may clean[/yellow]: "
                  "`swift demo --output_dir DIR` or `swift tiny-model --model ID --output_dir DIR` keeps a model")
