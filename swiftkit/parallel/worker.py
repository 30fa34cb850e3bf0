"""One process of a launched run: ``python -m swiftkit.parallel.worker --command sft
--config <run>/launch/config.json`` (started by torchrun or the DeepSpeed launcher)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

from swiftkit.parallel.launch import LAUNCH_DIR, LOST_PEER_MARKS, RESULT_FILE, STARTED_DIR, arrival_timeout


def _multi_node() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) != int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))


def _hint(exc: BaseException) -> str | None:
    """Why a collective failed, in words, where the cause is another node going away."""
    text = f"{type(exc).__name__}: {exc}"
    if _multi_node() and any(mark in text for mark in LOST_PEER_MARKS):
        return ("another rank stopped answering (its node died, was killed, or hung past --ddp_timeout); "
                "this rank ended instead of waiting for it. See that node's own error for the cause")
    return None


def _die_with_launcher() -> None:
    """Linux: end this rank when its launcher (torchrun's agent) dies. torchrun starts ranks in
    their own session, so a node whose launcher was killed kept a rank training alone."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the launcher died before the call above
        os._exit(1)


def _mark_started(run_dir: str) -> None:
    folder = os.path.join(run_dir, LAUNCH_DIR, STARTED_DIR)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"rank-{os.environ.get('RANK', '0')}"), "w", encoding="utf-8") as fh:
        fh.write(str(time.time()))


def _check_nodes_agree(config: dict) -> None:
    """Several nodes: refuse to start unless every node composed the same run configuration."""
    if not _multi_node():
        return
    from swiftkit.parallel.fingerprint import agent_store, check_same_config

    timeout = arrival_timeout(config)
    store = agent_store(timeout)
    if store is not None:
        check_same_config(config, store, rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]),
                          timeout_s=timeout)
    _init_process_group(config)


def _init_process_group(config: dict) -> None:
    """Start the process group now, with --ddp_timeout as every collective's limit: a group
    started later by a library on its own defaults would let a hung node stall the others
    for its default timeout instead (seen on gloo). The Trainer and DeepSpeed adopt it."""
    from datetime import timedelta

    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        return
    backend = config.get("ddp_backend") or ("nccl" if torch.cuda.is_available() else "gloo")
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend, timeout=timedelta(seconds=int(config.get("ddp_timeout") or 1800)))


def _record_error(run_dir: str, exc: BaseException) -> None:
    rank = int(os.environ.get("RANK", "0"))
    folder = os.path.join(run_dir, LAUNCH_DIR, "errors")
    os.makedirs(folder, exist_ok=True)
    record = {
        "rank": rank,
        "world_size": int(os.environ.get("WORLD_SIZE", "1")),
        "host": os.uname().nodename,
        "time": time.time(),
        "type": type(exc).__name__,
        "message": str(exc).strip() or repr(exc),
        "hint": _hint(exc),
        "traceback": "".join(traceback.format_exception(exc)),
    }
    tmp = os.path.join(folder, f".rank-{rank}.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2)
    os.replace(tmp, os.path.join(folder, f"rank-{rank}.json"))


def _leave_process_group() -> None:
    """Wait for every rank, then tear the process group down: a gloo group left to the
    interpreter's exit can abort the process (SIGABRT) after a successful run."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="swiftkit.parallel.worker")
    parser.add_argument("--command", required=True)
    parser.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as fh:
        config = json.load(fh)
    run_dir = config["output_dir"]
    rank = int(os.environ.get("RANK", "0"))
    from swiftkit.models.noise import silence_third_party_noise

    silence_third_party_noise()  # each rank would print DeepSpeed's accelerator line again
    _die_with_launcher()
    try:
        _mark_started(run_dir)
        _check_nodes_agree(config)
        from swiftkit.train.run import run_training

        console = None
        if rank == 0:
            from swiftkit.cli.output import console as make_console

            console = make_console()
        result = run_training(config, command=args.command, console=console, lean_imports=True)  # one run per worker
        if rank == 0:
            with open(os.path.join(run_dir, LAUNCH_DIR, RESULT_FILE), "w", encoding="utf-8") as fh:
                json.dump({"run_dir": result.run_dir, "last_checkpoint": result.last_checkpoint,
                           "global_step": result.global_step, "train_loss": result.train_loss,
                           "wrapped_as": result.wrapped_as, "sharded_params": result.sharded_params,
                           "last_log": result.log[-1] if result.log else {}}, fh, indent=2, default=str)
        _leave_process_group()
    except BaseException as exc:  # noqa: BLE001 - every way a rank dies is reported to the launcher
        if not isinstance(exc, SystemExit | KeyboardInterrupt):
            _record_error(run_dir, exc)
            traceback.print_exc()
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
