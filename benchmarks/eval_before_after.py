"""``swift eval`` before and after training: the acceptance figure of issue 15.

A tiny random Qwen2 (its tokenizer built from the task's words) is scored on a local task, the
colour of things (:mod:`swiftkit.testing.eval_task`: a multiple-choice file and an open-QA file),
then trained on the same facts with ``swift sft`` (LoRA; ``--train_type full`` for full
fine-tuning) and its checkpoint (base + adapter) scored again, by every eval backend registered here: ``lm_eval`` (lm-evaluation-harness) and
``Native`` (EvalScope) when a plugin registers it (else it is skipped, and said so). The same
checkpoint is also scored through ``swift deploy``'s API (``--eval_url``) with ``lm_eval``.

Usage::

    python benchmarks/eval_before_after.py                 # 60 LoRA steps, a temp folder
    python benchmarks/eval_before_after.py --steps 120 --output_dir /tmp/eval-bench --json
    python benchmarks/eval_before_after.py --train_type full --steps 60

Runs offline (set ``HF_HUB_OFFLINE=1``); one CPU thread, as the tests use.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from typing import Any


def _eval(registry: Any, backend: str, args: list[str], out: str) -> tuple[dict[str, dict[str, float]], float]:
    from swiftkit.core.config import build_config
    from swiftkit.evaluate.runner import run_eval

    config = build_config(registry, command="eval", cli_args=[
        *args, "--eval_backend", backend, "--eval_output_dir", out, "--eval_generation_config", '{"max_tokens": 4}'])
    start = time.perf_counter()
    run = run_eval(config, registry)
    return run.report.metrics, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps")
    parser.add_argument("--train_type", choices=["lora", "full"], default="lora",
                        help="lora: the checkpoint is evaluated as base + adapter; full: as a whole model")
    parser.add_argument("--output_dir", default=None)
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = parser.parse_args()

    import torch
    from click.testing import CliRunner

    from swiftkit.cli import cli
    from swiftkit.core.registry import get_registry
    from swiftkit.models.noise import quiet_transformers
    from swiftkit.testing.eval_task import FULL_FLAGS, LORA_FLAGS, tokenizer_corpus, write_colour_task
    from swiftkit.testing.tiny import build_tiny_model

    torch.set_num_threads(1)
    quiet_transformers()
    root = args.output_dir or tempfile.mkdtemp(prefix="swiftkit-eval-bench-")
    registry = get_registry()
    model = str(build_tiny_model("qwen2.5-0.5b-instruct", os.path.join(root, "qwen2.5-0.5b-instruct"),
                                 registry=registry, tokenizer_corpus=tokenizer_corpus()))
    files = write_colour_task(os.path.join(root, "data"))
    datasets = ["--eval_dataset", files["mcq"], files["qa"]]
    backends = ["lm_eval"] + (["Native"] if ("eval_backend", "Native") in registry else [])
    skipped = [] if "Native" in backends else ["Native (no plugin registers it here)"]

    figures: dict[str, Any] = {"train_type": args.train_type, "steps": args.steps, "rows": 8, "scores": {}, "seconds": {}}
    for backend in backends:
        try:
            figures["scores"][f"{backend} before"], figures["seconds"][f"{backend} before"] = _eval(
                registry, backend, ["--model", model, *datasets], os.path.join(root, f"eval-{backend}-before"))
        except Exception as exc:  # noqa: BLE001 - a backend that cannot run here is reported, not fatal
            skipped.append(f"{backend}: {type(exc).__name__}: {exc}")
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["sft", "--model", model, "--dataset", files["train"], "--max_steps", str(args.steps),
                                      "--save_steps", str(args.steps), "--logging_steps", str(args.steps),
                                      "--output_dir", os.path.join(root, "run"), "--add_version", "false",
                                      "--overwrite_output_dir", "true",
                                      *(LORA_FLAGS if args.train_type == "lora" else FULL_FLAGS)], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(result.output)
    figures["seconds"]["train"] = time.perf_counter() - start
    checkpoint = os.path.join(root, "run", f"checkpoint-{args.steps}")
    for backend in [b for b in backends if f"{b} before" in figures["scores"]]:
        figures["scores"][f"{backend} after"], figures["seconds"][f"{backend} after"] = _eval(
            registry, backend, ["--model", checkpoint, *datasets], os.path.join(root, f"eval-{backend}-after"))

    from swiftkit.infer.factory import create_engine
    from swiftkit.serve.server import create_app, run_in_thread

    engine, resolved = create_engine({"model": checkpoint, "infer_backend": "pt"}, registry)
    server = run_in_thread(create_app(engine, resolved, max_concurrency=8))
    try:
        figures["scores"]["lm_eval after, --eval_url"], figures["seconds"]["lm_eval after, --eval_url"] = _eval(
            registry, "lm_eval", ["--eval_url", server.base_url, "--model", model, "--eval_num_proc", "4", *datasets],
            os.path.join(root, "eval-url"))
    finally:
        server.stop()
        engine.close()

    names = {files["mcq"]: "colours_mcq", files["qa"]: "colours_qa"}
    print(f"tiny qwen2.5 (random), {args.train_type} {args.steps} steps on 8 colour facts; folder {root}\n")
    print(f"| {'run':<26} | {'dataset':<12} | {'metric':<12} | {'score':>6} | {'seconds':>7} |")
    print(f"|{'-' * 28}|{'-' * 14}|{'-' * 14}|{'-' * 8}|{'-' * 9}|")
    for run, metrics in figures["scores"].items():
        for dataset, scores in metrics.items():
            for metric, value in scores.items():
                print(f"| {run:<26} | {names.get(dataset, dataset):<12} | {metric:<12} | {value:>6.3f} | "
                      f"{figures['seconds'][run]:>7.1f} |")
    print(f"\ntraining: {figures['seconds']['train']:.1f} s")
    for line in skipped:
        print(f"skipped: {line}")
    if args.json:
        figures["skipped"] = skipped
        figures["scores"] = {run: {names.get(d, d): s for d, s in m.items()} for run, m in figures["scores"].items()}
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
