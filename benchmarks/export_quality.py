"""Acceptance table of `swift export`'s quantization/conversion steps on a briefly TRAINED tiny model.

Claim under test: every exporter installed here (`swift list exporters`, stage ``convert``)
writes a model that is smaller than the float32 source and, reloaded, still answers like it:
per method, size on disk vs fp32, greedy agreement, perplexity change and max-abs logit diff
(:func:`swiftkit.export.quality.compare_models`).

Why trained: a random model's logits are nearly flat, so the smallest rounding flips its argmax
and greedy agreement measures noise. The model here is a tiny Qwen2.5 (hidden ``--hidden_size``,
default 256 so K-quants and group sizes up to 256 fit; vocab 512) fully fine-tuned for
``--steps`` steps on counting sequences ("Continue: 3 4 5" -> "6 7 8 9 10"), until it predicts
them confidently; the quality figures are measured on held-out rows of the same task (prompts:
the rows up to the reply; perplexity: the reply tokens of the whole rows).

Variants: each ``selected_by`` value of each convert exporter, times the values of its own
enum options that choose a quantization (``quant_bits``, ``gguf_quant``; names containing
``quant``), so exporters added later (llm-compressor, GGUF) join the table without edits. A
variant whose ``check()`` refuses (library absent, GPU needed) is listed with the reason. Every
export runs in-process through :func:`swiftkit.export.pipeline.run_export_pipeline` with
``--dataset`` (calibration rows for the methods that calibrate).

    .venv/bin/python benchmarks/export_quality.py [--steps 150] [--hidden_size 256] [--json out.json] [--keep DIR]
    .venv/bin/python benchmarks/export_quality.py --only bnb

Prints a Markdown table; the exit status is 0 whatever the figures (this is a report).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sys
import tempfile
import time
from typing import Any

MODEL = "qwen2.5-0.5b-instruct"
COLUMNS = ["exporter", "variant", "status", "size_bytes", "size_vs_fp32", "greedy_agreement", "greedy_match",
           "perplexity_source", "perplexity_export", "perplexity_change_pct", "max_abs_logit_diff", "seconds"]


def counting_rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        start = rng.randint(0, 80)
        prompt = " ".join(str(start + i) for i in range(3))
        reply = " ".join(str(start + 3 + i) for i in range(5))
        rows.append({"messages": [{"role": "user", "content": f"Continue: {prompt}"},
                                  {"role": "assistant", "content": reply}]})
    return rows


def write_jsonl(path: str, rows: list[dict[str, Any]]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    return path


def train(registry: Any, root: str, hidden: int, steps: int) -> tuple[str, str, str]:
    """(trained model folder, training data, held-out data); reused when ``--keep`` holds them."""
    done = os.path.join(root, "run", f"checkpoint-{steps}")
    if os.path.isfile(os.path.join(done, "model.safetensors")):
        return done, os.path.join(root, "train.jsonl"), os.path.join(root, "held.jsonl")
    from swiftkit.core.config import build_config
    from swiftkit.testing.tiny import build_tiny_model
    from swiftkit.train.run import run_training

    base = str(build_tiny_model(MODEL, os.path.join(root, "base"), registry=registry, hidden_size=hidden,
                                intermediate_size=hidden * 2, num_attention_heads=max(hidden // 64, 1),
                                num_key_value_heads=max(hidden // 128, 1)))
    data = write_jsonl(os.path.join(root, "train.jsonl"), counting_rows(400, seed=0))
    held = write_jsonl(os.path.join(root, "held.jsonl"), counting_rows(24, seed=1))
    config = build_config(registry, command="sft", cli_args=[
        "--model", base, "--dataset", data, "--output_dir", os.path.join(root, "run"), "--add_version", "false",
        "--train_type", "full", "--learning_rate", "2e-3", "--lr_scheduler_type", "cosine", "--warmup_ratio", "0.05",
        "--max_steps", str(steps), "--save_steps", str(steps), "--per_device_train_batch_size", "16",
        "--max_length", "64", "--logging_steps", str(max(steps // 5, 1)), "--report_to", "none",
        "--save_only_model", "true"])
    result = run_training(config, command="sft", registry=registry)
    return os.path.join(result.run_dir, f"checkpoint-{steps}"), data, held


def variants(registry: Any, only: list[str]) -> list[tuple[str, list[str]]]:
    """(exporter id, CLI args selecting one variant) for every convert exporter installed."""
    out = []
    for entry in registry.entries("exporter"):
        if entry.data.get("stage", "convert") != "convert" or (only and entry.id not in only):
            continue
        props = (entry.data.get("options") or {}).get("properties") or {}
        choices = [[(k, v) for v in sub["enum"]] for k, sub in props.items() if "quant" in k and "enum" in sub
                   and k not in (entry.data.get("selected_by") or {}) and k != "bnb_4bit_quant_type"]
        for key, values in (entry.data.get("selected_by") or {}).items():
            for value in values:
                select = [f"--{key}", str(value).lower() if isinstance(value, bool) else str(value)]
                for combo in itertools.product(*choices) if choices else [()]:
                    out.append((entry.id, select + [a for k, v in combo for a in (f"--{k}", str(v))]))
    return out


def held_out(held: str, model_dir: str) -> tuple[list[list[int]], list[list[int]]]:
    """(prompts up to the reply, whole rows) of the held-out data, encoded with the template."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompts, texts = [], []
    with open(held, encoding="utf-8") as fh:
        for line in fh:
            messages = json.loads(line)["messages"]
            prompts.append(tokenizer.apply_chat_template(messages[:1], add_generation_prompt=True, tokenize=True,
                                                         return_dict=False))
            texts.append(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False))
    return [list(p) for p in prompts], [list(t) for t in texts]


def measure(registry: Any, model_dir: str, data: str, prompts: list[list[int]], texts: list[list[int]],
            name: str, args: list[str], out: str) -> dict[str, Any]:
    from swiftkit.core.config import build_config
    from swiftkit.core.errors import ConfigError
    from swiftkit.core.export.interface import Exporter
    from swiftkit.export.pipeline import check_steps, plan_exporters, run_export_pipeline
    from swiftkit.export.quality import compare_models, size_on_disk

    row: dict[str, Any] = {"exporter": name, "variant": " ".join(args)}
    config = build_config(registry, command="export", cli_args=["--model", model_dir, "--dataset", data,
                                                                "--max_length", "64", "--quant_n_samples", "64",
                                                                "--output_dir", out, "--overwrite", "true", *args])
    try:
        steps = plan_exporters(config, registry)
        check_steps(config, steps)
    except ConfigError as exc:
        return {**row, "status": "skipped: " + " / ".join(str(exc).splitlines()[1:] or [str(exc)])}
    started = time.perf_counter()
    try:
        run_export_pipeline(config, registry)
    except Exception as exc:  # a report: the failure is a row, not the end of the table
        return {**row, "status": f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
    seconds = time.perf_counter() - started
    step = steps[-1]
    if type(step.exporter).load_exported is Exporter.load_exported:
        return {**row, "status": "ok (no in-process loader: size only)", "size_bytes": size_on_disk(out),
                "size_vs_fp32": size_on_disk(out) / size_on_disk(model_dir), "seconds": round(seconds, 2)}
    report = compare_models(model_dir, lambda: step.exporter.load_exported(out), export_dir=out,
                            prompts=prompts, texts=texts, max_new_tokens=12, scored_from=[len(p) for p in prompts])
    m = report.metrics()
    return {**row, "status": "ok", "size_bytes": m["size_bytes"], "size_vs_fp32": m["size_ratio"],
            "greedy_agreement": m["greedy_agreement"], "greedy_match": m["greedy_match"],
            "perplexity_source": m["perplexity_source"], "perplexity_export": m["perplexity_export"],
            "perplexity_change_pct": 100 * m["perplexity_change"], "max_abs_logit_diff": m["max_abs_logit_diff"],
            "seconds": round(seconds, 2), "source_bytes": size_on_disk(model_dir)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--hidden_size", type=int, default=256)
    parser.add_argument("--only", nargs="*", default=[], help="exporter ids to run (default: every convert exporter)")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--keep", help="keep the work folder here (else a temp folder, removed)")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import warnings

    warnings.filterwarnings("ignore", message="MatMul8bitLt")  # bnb int8 on CPU, once per forward
    from swiftkit.core.registry import get_registry
    from swiftkit.export.quality import format_table
    from swiftkit.models.noise import quiet_transformers

    quiet_transformers()
    registry = get_registry()
    root = args.keep or tempfile.mkdtemp(prefix="swiftkit-export-quality-")
    os.makedirs(root, exist_ok=True)
    try:
        started = time.perf_counter()
        model_dir, data, held = train(registry, root, args.hidden_size, args.steps)
        print(f"trained {model_dir} in {time.perf_counter() - started:.1f} s ({args.steps} steps)", file=sys.stderr)
        prompts, texts = held_out(held, model_dir)
        rows = []
        for i, (name, select) in enumerate(variants(registry, args.only)):
            print(f"[{i + 1}] {name} {' '.join(select)}", file=sys.stderr)
            rows.append(measure(registry, model_dir, data, prompts, texts, name, select, os.path.join(root, f"x{i}")))
            shutil.rmtree(os.path.join(root, f"x{i}"), ignore_errors=True)
        import torch

        source = next((r["source_bytes"] for r in rows if r.get("source_bytes")), None)
        print(f"\nsource: tiny {MODEL} (hidden {args.hidden_size}), trained {args.steps} steps; fp32 weights "
              f"{source} bytes; device: {'cuda' if torch.cuda.is_available() else 'cpu'}\n")
        print(format_table(rows, COLUMNS))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(rows, fh, indent=2)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
