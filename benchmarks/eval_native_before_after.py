"""``swift eval --eval_backend Native`` (EvalScope) before and after a short training on a local task.

Builds a tiny random Qwen2 offline (or takes ``--model``), writes the colour task of
:mod:`swiftkit.testing.evalscope_task` (8 multiple-choice questions, the same 8 as open QA, and
the training rows), scores the model with ``swift eval``, trains it with ``swift sft`` (full
fine-tuning by default, ``--train_type lora`` evaluates the checkpoint as ``--adapters``),
scores the checkpoint again, and the checkpoint once more through ``--eval_url`` (served
in-process as ``swift deploy`` serves it). Prints one table: dataset, metric, before, after, via URL.

Usage::

    python benchmarks/eval_native_before_after.py                  # 60 full fine-tuning steps
    python benchmarks/eval_native_before_after.py --steps 120 --train_type lora --json

Needs EvalScope (``pip install -r requirements/evalscope.txt && pip install --no-deps evalscope``);
``--eval_url`` needs the serve extra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

LORA = ["--lora_rank", "32", "--lora_alpha", "64", "--target_modules", "all-linear", "lm_head", "--weight_decay", "0"]


def _swift(*args: str) -> None:
    from swiftkit.cli import cli

    try:
        cli.main(list(args), prog_name="swift", standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            raise


def _eval(task: dict[str, str], out: str, *target: str) -> dict[str, Any]:
    from swiftkit.testing.evalscope_task import dataset_args

    start = time.perf_counter()
    _swift("eval", *target, "--eval_backend", "Native", "--eval_dataset", task["mcq"], task["qa"],
           "--eval_dataset_args", json.dumps(dataset_args()), "--eval_generation_config", '{"max_tokens": 6}',
           "--eval_output_dir", out)
    (run,) = os.listdir(out)
    with open(os.path.join(out, run, "report.json"), encoding="utf-8") as fh:
        report = json.load(fh)
    report["wall_s"] = round(time.perf_counter() - start, 2)
    return report


def _served(checkpoint: str, task: dict[str, str], out: str, adapters: list[str]) -> dict[str, Any] | None:
    try:
        from swiftkit.infer.factory import create_engine
        from swiftkit.serve.server import create_app, run_in_thread
    except ImportError:
        return None
    config = {"model": checkpoint, "infer_backend": "pt"} if not adapters else {"adapters": adapters, "infer_backend": "pt"}
    engine, resolved = create_engine(config)
    server = run_in_thread(create_app(engine, resolved, served_model_name="colours"))
    try:
        return _eval(task, out, "--eval_url", server.base_url)
    finally:
        server.stop()
        engine.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a model folder (default: a tiny random Qwen2 built offline)")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--learning_rate", default="5e-3")
    parser.add_argument("--train_type", default="full", choices=["full", "lora"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import torch

    torch.set_num_threads(1)  # tiny models: threads only add contention
    from swiftkit.testing.evalscope_task import write_mcq_task

    work = tempfile.mkdtemp(prefix="eval-native-")
    model = args.model
    if not model:
        from swiftkit.testing.tiny import build_tiny_model

        model = str(build_tiny_model("qwen2.5-0.5b-instruct", os.path.join(work, "tiny")))
    task = write_mcq_task(os.path.join(work, "task"))
    before = _eval(task, os.path.join(work, "before"), "--model", model)
    started = time.perf_counter()
    _swift("sft", "--model", model, "--dataset", task["train"], "--train_type", args.train_type,
           *(LORA if args.train_type == "lora" else []), "--learning_rate", args.learning_rate,
           "--lr_scheduler_type", "constant", "--per_device_train_batch_size", "16", "--max_steps", str(args.steps),
           "--save_steps", "100000", "--logging_steps", "10", "--report_to", "none",
           "--output_dir", os.path.join(work, "run"), "--add_version", "false")
    train_s = round(time.perf_counter() - started, 2)
    checkpoint = os.path.join(work, "run", f"checkpoint-{args.steps}")
    adapters = [checkpoint] if args.train_type == "lora" else []
    target = ("--model", model, "--adapters", checkpoint) if adapters else ("--model", checkpoint)
    after = _eval(task, os.path.join(work, "after"), *target)
    served = _served(checkpoint, task, os.path.join(work, "url"), adapters)
    rows = []
    for name, label in ((task["mcq"], "colours (mcq)"), (task["qa"], "colours_qa (qa)")):
        for metric in ("acc", "Rouge-L-R", "Rouge-1-F"):
            if metric in after["metrics"].get(name, {}):
                rows.append({"dataset": label, "metric": metric, "before": before["metrics"][name][metric],
                             "after": after["metrics"][name][metric],
                             "via_url": served["metrics"][name][metric] if served else None})
    figures = {"model": model, "train_type": args.train_type, "steps": args.steps, "train_s": train_s,
               "eval_s": {"before": before["wall_s"], "after": after["wall_s"],
                          "url": served["wall_s"] if served else None}, "rows": rows, "notes": after["notes"]}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"\nNative (EvalScope {_version()}), {args.train_type} {args.steps} steps ({train_s} s incl. load)")
    print(f"{'dataset':<18}{'metric':<11}{'before':>8}{'after':>8}{'via URL':>9}")
    for row in rows:
        url = f"{row['via_url']:.3f}" if row["via_url"] is not None else "-"
        print(f"{row['dataset']:<18}{row['metric']:<11}{row['before']:>8.3f}{row['after']:>8.3f}{url:>9}")
    print(f"eval wall time: before {before['wall_s']} s, after {after['wall_s']} s, via URL {figures['eval_s']['url']} s")
    for note in after["notes"]:
        print(f"note: {note}")
    return 0


def _version() -> str:
    from importlib.metadata import version

    return version("evalscope")


if __name__ == "__main__":
    sys.exit(main())
