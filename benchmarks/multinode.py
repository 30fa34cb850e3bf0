"""Two "nodes" on one machine: curves, and how fast a lost node ends the other.

    PYTHONPATH=. python benchmarks/multinode.py [--workdir DIR] [--timeout 10]

Each node is its own ``swift sft`` launch (NNODES=2, NODE_RANK=0/1, MASTER_ADDR=127.0.0.1,
NPROC_PER_NODE=1, gloo on CPU) with its own output folder, as on two machines. Reported:

* ``ddp`` and ``zero3``: the two-node loss curve against one process on the same global batch
  (max abs difference per step) and the wall time of the job;
* ``killed``: node 1 (launcher and rank) is SIGKILLed after node 0 logged 3 steps; seconds until
  node 0 exits with an error;
* ``hung``: node 1 is frozen (SIGSTOP) instead; seconds until node 0 gives up (--ddp_timeout).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ROOT, "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", **extra}


def _flags(model: str, data: str, out: str, steps: int, extra: list[str]) -> list[str]:
    return ["--model", model, "--dataset", data, "--train_type", "full", "--max_length", "64", "--max_steps", str(steps),
            "--save_steps", "100000", "--logging_steps", "1", "--learning_rate", "5e-3", "--warmup_ratio", "0",
            "--lr_scheduler_type", "constant", "--add_version", "false", "--report_to", "none",
            "--dataset_num_proc", "1", "--per_device_train_batch_size", "2", "--output_dir", out, *extra]


def _start_nodes(model: str, data: str, work: str, name: str, steps: int, extra: list[str]) -> list[subprocess.Popen]:
    from swiftkit.parallel.launch import _free_port

    port = str(_free_port())
    procs = []
    for node in (0, 1):
        env = _env(NNODES="2", NODE_RANK=str(node), NPROC_PER_NODE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
        log = open(os.path.join(work, f"{name}.node{node}.log"), "w")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen([sys.executable, "-m", "swiftkit", "sft",
                                       *_flags(model, data, os.path.join(work, name, f"n{node}"), steps, extra)],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
    return procs


def _losses(run_dir: str) -> dict[int, float]:
    from swiftkit.train.callbacks import read_log

    return {r["step"]: r["loss"] for r in read_log(run_dir) if "loss" in r and "step" in r}


def _curve(model: str, data: str, work: str, name: str, extra: list[str], single: dict[int, float]) -> dict:
    start = time.perf_counter()
    procs = _start_nodes(model, data, work, name, 4, extra)
    codes = [p.wait(timeout=600) for p in procs]
    losses = _losses(os.path.join(work, name, "n0"))
    diff = max((abs(losses[s] - single[s]) for s in single if s in losses), default=float("nan"))
    return {"case": name, "exit_codes": codes, "wall_s": round(time.perf_counter() - start, 1),
            "steps": len(losses), "max_abs_loss_diff_vs_single": diff}


def _lost_node(model: str, data: str, work: str, name: str, sig: int, timeout: int) -> dict:
    procs = _start_nodes(model, data, work, name, 100000, ["--ddp_timeout", str(timeout)])
    log = os.path.join(work, name, "n0", "logging.jsonl")
    deadline = time.time() + 300
    while time.time() < deadline and not (os.path.exists(log) and sum(1 for _ in open(log)) >= 3):
        time.sleep(0.5)
    hit = time.perf_counter()
    # node 1's whole tree: its launcher's session and its rank (torchrun starts ranks in their own session)
    ranks = subprocess.run(["pgrep", "-f", f"config {os.path.join(work, name, 'n1', 'launch', 'config.json')}"],
                           capture_output=True, text=True).stdout.split()
    os.killpg(procs[1].pid, sig)
    for pid in ranks:
        os.kill(int(pid), sig)
    try:
        code = procs[0].wait(timeout=timeout + 120)
    finally:
        for pid in [procs[1].pid, *map(int, ranks)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    with open(os.path.join(work, f"{name}.node0.log"), encoding="utf-8") as fh:
        error = next((line.strip() for line in fh if line.startswith("error:")), "")
    return {"case": name, "node0_exit": code, "seconds_to_exit": round(time.perf_counter() - hit, 1),
            "ddp_timeout": timeout, "error": error[:160]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--timeout", type=int, default=10, help="--ddp_timeout of the lost-node cases")
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="multinode-")
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.tiny import build_tiny_model

    model = str(build_tiny_model("qwen2.5-0.5b-instruct", os.path.join(work, "model"), registry=get_registry(refresh=True)))
    data = os.path.join(work, "count.jsonl")
    rows = [{"messages": [{"role": "user", "content": f"Count to {i % 9 + 1}."},
                          {"role": "assistant", "content": " ".join(map(str, range(1, i % 9 + 2)))}]} for i in range(24)]
    with open(data, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    single_dir = os.path.join(work, "single")
    subprocess.run([sys.executable, "-m", "swiftkit", "sft", *_flags(model, data, single_dir, 4, ["--gradient_accumulation_steps", "2"])],
                   env=_env(), check=True, capture_output=True)
    single = _losses(single_dir)
    rows = [_curve(model, data, work, "ddp", [], single), _curve(model, data, work, "zero3", ["--deepspeed", "zero3"], single),
            _lost_node(model, data, work, "killed", signal.SIGKILL, args.timeout),
            _lost_node(model, data, work, "hung", signal.SIGSTOP, args.timeout)]
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
