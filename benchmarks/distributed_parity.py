"""Loss curves and wall time of `swift sft` under each parallel strategy against one process.

Every run trains the same tiny Qwen2.5-architecture model on the same rows with the same global
batch: one process with 2 rows x 2 accumulation steps, or 2 processes (torchrun, gloo on CPU)
with 2 rows each. Prints the loss per step side by side, the largest relative difference to the
single-process curve, and each run's wall time (launch and imports included).

    python benchmarks/distributed_parity.py [--steps 8] [--strategies ddp fsdp zero2 zero3 zero3_lora]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FLAGS = {
    "ddp": ("full", []),
    "fsdp": ("full", ["--fsdp", "full_shard"]),
    "zero2": ("full", ["--deepspeed", "zero2"]),
    "zero3": ("full", ["--deepspeed", "zero3"]),
    "zero3_lora": ("lora", ["--deepspeed", "zero3"]),
}


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"swift {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def _losses(run_dir: str) -> dict[int, float]:
    with open(os.path.join(run_dir, "logging.jsonl"), encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r and "step" in r}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--strategies", nargs="+", default=list(FLAGS))
    opts = parser.parse_args()

    from swiftkit.testing.tiny import build_tiny_model

    work = tempfile.mkdtemp(prefix="swiftkit-parity-")
    model = str(build_tiny_model("qwen2.5-0.5b-instruct", os.path.join(work, "model")))
    data = os.path.join(work, "count.jsonl")
    with open(data, "w", encoding="utf-8") as fh:
        for i in range(48):
            n = i % 9 + 1
            fh.write(json.dumps({"messages": [{"role": "user", "content": f"Count to {n}."},
                                              {"role": "assistant", "content": " ".join(map(str, range(1, n + 1)))}]}) + "\n")

    def common(out: str, train_type: str) -> list[str]:
        # LoRA dropout draws from each process's own RNG stream: off, so that curves can be compared
        dropout = ["--lora_dropout", "0"] if train_type == "lora" else []
        return ["sft", *dropout, "--model", model, "--dataset", data, "--train_type", train_type, "--max_length", "64",
                "--max_steps", str(opts.steps), "--save_steps", str(opts.steps), "--logging_steps", "1",
                "--learning_rate", "5e-3", "--lr_scheduler_type", "constant", "--output_dir", out,
                "--add_version", "false", "--report_to", "none", "--per_device_train_batch_size", "2"]

    curves: dict[str, dict[int, float]] = {}
    walls: dict[str, float] = {}
    for train_type in sorted({FLAGS[s][0] for s in opts.strategies}):
        name = f"single/{train_type}"
        out = os.path.join(work, name.replace("/", "-"))
        walls[name] = _run([*common(out, train_type), "--gradient_accumulation_steps", "2"])
        curves[name] = _losses(out)
    for strategy in opts.strategies:
        train_type, flags = FLAGS[strategy]
        out = os.path.join(work, strategy)
        walls[strategy] = _run([*common(out, train_type), *flags, "--nproc_per_node", "2"])
        curves[strategy] = _losses(out)

    names = list(curves)
    print(f"{'step':>4} " + " ".join(f"{n:>13}" for n in names))
    for step in range(1, opts.steps + 1):
        print(f"{step:>4} " + " ".join(f"{curves[n].get(step, float('nan')):>13.6f}" for n in names))
    print()
    print(f"{'run':<14} {'wall s':>8} {'max rel. diff to one process':>30}")
    for n in names:
        base = curves[f"single/{FLAGS[n][0]}"] if n in FLAGS else curves[n]
        diff = max(abs(curves[n][s] - base[s]) / abs(base[s]) for s in base)
        print(f"{n:<14} {walls[n]:>8.1f} {diff:>30.2e}")


if __name__ == "__main__":
    main()
