"""The coloured-shapes task: proof that pixels reach the loss (issue 14, item 7).

Builds a tiny random Qwen2-VL (the family's tiny shape, with a wider vision tower so that it can
learn shapes: ``--vision_depth`` blocks of width ``--vision_width``), its tokenizer trained on the
task's words so that every answer is one token, then:

1. measures held-out accuracy (``coloured-shapes:test``: 200 images never seen in training, half
   asking the colour, half the shape, 4 choices each: chance is 25 %) with greedy answers from
   the ``pt`` engine (``ChatRequest.images``), the first word of the answer compared with the
   truth;
2. trains it with ``swift sft --dataset coloured-shapes`` (a subprocess, full fine-tuning, the
   vision tower included; the 56x56 images read at ``--pixels``, 112x112 by default: 16 image
   tokens) for ``--steps`` steps on the CPU;
3. measures held-out accuracy again, from the last checkpoint.

Prints the steps, the wall time of ``swift sft`` (and its train runtime), the loss curve and both
accuracies (overall and per question).

    .venv/bin/python benchmarks/mm_shapes.py [--steps 3000] [--batch 8] [--lr 1e-3] [--pixels 12544]
                                             [--threads 2] [--keep DIR]

Offline; 2-8 minutes on 2 CPU cores (0.03-0.15 s a step, depending on what else runs).
Measured (2 shared cores): colour is learned first (100 % by ~1000 steps), the shape later.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

MODEL_ID = "Qwen/Qwen2-VL-2B-Instruct"
#: the image size the processor reads (``--min_pixels`` = ``--max_pixels``): the 56x56 images
#: upscaled to 112x112 are 8x8 patches, 16 image tokens (``--pixels 3136``: 4 tokens)
PIXELS = 112 * 112


def build_model(out: str, depth: int, width: int, seed: int = 0) -> str:
    """A tiny Qwen2-VL whose tokenizer knows the task's words, with a ``depth`` x ``width``
    vision tower (weights re-initialised from ``seed``)."""
    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    from swiftkit.core.registry import get_registry
    from swiftkit.models.tiny import build_tiny_model
    from swiftkit.plugins.datasets import shapes

    words = [*shapes.QUESTIONS.values(), *shapes.COLOURS, *shapes.SHAPES]
    build_tiny_model(MODEL_ID, out, registry=get_registry(), tokenizer_corpus=words * 50, seed=seed)
    config = AutoConfig.from_pretrained(out)
    config.vision_config.depth = depth
    config.vision_config.embed_dim = width
    config.vision_config.num_heads = max(1, width // 16)
    torch.manual_seed(seed)
    AutoModelForImageTextToText.from_config(config).save_pretrained(out)
    return out


def accuracy(model_dir: str, rows_path: str, limit: int | None = None, pixels: int = PIXELS) -> tuple[float, dict[str, float]]:
    """Greedy held-out accuracy through the pt engine: (overall, per question)."""
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.core.registry import get_registry
    from swiftkit.infer.factory import create_engine

    base = os.path.dirname(rows_path)
    rows = [json.loads(line) for line in open(rows_path, encoding="utf-8")][:limit]
    engine, _ = create_engine({"model": model_dir, "infer_backend": "pt", "max_pixels": pixels, "min_pixels": pixels,
                               "max_batch_size": 50}, get_registry())
    try:
        sampling = SamplingOptions(max_tokens=3, temperature=0.0)
        answers = engine.infer([ChatRequest(messages=r["messages"][:1], images=[os.path.join(base, r["images"][0])],
                                            sampling=sampling) for r in rows])
    finally:
        engine.close()
    per: dict[str, list[bool]] = {}
    for row, answer in zip(rows, answers, strict=True):
        words = answer.text.strip().split()
        hit = bool(words) and words[0].strip(".,!").lower() == row["messages"][1]["content"]
        per.setdefault(row["messages"][0]["content"].replace("<image>", ""), []).append(hit)
    hits = [h for v in per.values() for h in v]
    return sum(hits) / len(hits), {q: sum(v) / len(v) for q, v in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--vision_depth", type=int, default=1)
    parser.add_argument("--vision_width", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pixels", type=int, default=PIXELS, help="pixels the processor resizes each image to")
    parser.add_argument("--eval_rows", type=int, default=None, help="held-out rows to score (default: all 200)")
    parser.add_argument("--keep", default=None, help="a folder for the model, data and run (default: a temporary one)")
    args = parser.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="mm-shapes-")
    os.makedirs(work, exist_ok=True)
    env = {**os.environ, "SWIFTKIT_CACHE_DIR": os.path.join(work, "cache"), "HF_HUB_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": str(args.threads)}
    os.environ.update(env)
    import torch

    torch.set_num_threads(args.threads)
    from swiftkit.core.registry import get_registry
    from swiftkit.data.sources import resolve

    model_dir = build_model(os.path.join(work, "model"), args.vision_depth, args.vision_width)
    test_rows = resolve("coloured-shapes:test", get_registry()).path
    n_params = sum(p.numel() for p in __import__("safetensors.torch", fromlist=["load_file"]).load_file(
        os.path.join(model_dir, "model.safetensors")).values())
    print(f"model: tiny Qwen2-VL, {n_params / 1e6:.2f} M parameters (vision tower {args.vision_depth} x "
          f"{args.vision_width}); images read at {args.pixels} pixels = {args.pixels // (28 * 28)} image tokens")
    t0 = time.perf_counter()
    before, before_per = accuracy(model_dir, test_rows, args.eval_rows, args.pixels)
    print(f"held-out accuracy before: {before:.1%} {json.dumps({k: round(v, 3) for k, v in before_per.items()})} "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)

    out = os.path.join(work, "run")
    cmd = [sys.executable, "-m", "swiftkit", "sft", "--model", model_dir, "--dataset", "coloured-shapes",
           "--train_type", "full", "--max_steps", str(args.steps), "--per_device_train_batch_size", str(args.batch),
           "--learning_rate", str(args.lr), "--lr_scheduler_type", "cosine", "--warmup_ratio", "0.05",
           "--weight_decay", "0.0", "--max_pixels", str(args.pixels), "--min_pixels", str(args.pixels), "--torch_dtype", "float32",
           "--logging_steps", "20", "--save_steps", str(args.steps), "--save_total_limit", "1",
           "--output_dir", out, "--add_version", "false", "--report_to", "none", "--dataloader_num_workers", "0"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"swift sft failed ({proc.returncode})")
    log = [json.loads(line) for line in open(os.path.join(out, "logging.jsonl"), encoding="utf-8")]
    curve = [(r["step"], round(r["loss"], 3)) for r in log if "loss" in r]
    runtime = next((r["train_runtime"] for r in reversed(log) if "train_runtime" in r), None)
    print(f"swift sft: {args.steps} steps x batch {args.batch} (lr {args.lr}, cosine), wall {wall:.0f} s"
          + (f", train runtime {runtime:.0f} s ({runtime / args.steps:.2f} s/step)" if runtime else ""))
    print("loss (step, loss):", curve)
    checkpoint = os.path.join(out, f"checkpoint-{args.steps}")
    t0 = time.perf_counter()
    after, after_per = accuracy(checkpoint, test_rows, args.eval_rows, args.pixels)
    print(f"held-out accuracy after: {after:.1%} {json.dumps({k: round(v, 3) for k, v in after_per.items()})} "
          f"({time.perf_counter() - t0:.0f} s)")
    print(f"SUMMARY coloured-shapes: held-out accuracy {before:.1%} -> {after:.1%} (chance 25 %), "
          f"{args.steps} steps, swift sft wall {wall:.0f} s, {args.threads} threads")


if __name__ == "__main__":
    main()
