"""Starting a run on several processes with an existing launcher (torchrun, DeepSpeed's).

The launching process validates the configuration, checks the strategy, fixes the run folder
(so every rank writes to the same one), writes the configuration there and re-runs the same
command in each worker (:mod:`swiftkit.parallel.worker`). Local ranks other than 0 log to
files, so the console shows one log and one progress bar. Each worker records an exception it
dies of in ``<run>/launch/errors/rank-N.json``; when the launcher fails, the first of those is
what the user is shown.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.parallel.env import ParallelEnv

LAUNCH_DIR = "launch"
CONFIG_FILE = "config.json"
RESULT_FILE = "result.json"
STARTED_DIR = "started"
#: the longest a node waits for the others to arrive, whatever --ddp_timeout says (its default,
#: ms-swift's, is months: right for a slow collective, a hang for a node that never comes)
MAX_ARRIVAL_S = 1800
#: what a lost peer looks like in a collective's error, by backend (gloo, nccl, the store)
LOST_PEER_MARKS = ("Connection closed by peer", "Connection reset by peer", "Broken pipe", "Timed out waiting",
                   "timed out", "Timeout", "NCCL communicator was aborted", "DistNetworkError", "DistStoreError",
                   "Socket Timeout", "Connection refused")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def arrival_timeout(config: dict[str, Any]) -> int:
    """Seconds a node waits for the others to join: ``--ddp_timeout``, at most :data:`MAX_ARRIVAL_S`."""
    return max(1, min(int(config.get("ddp_timeout") or MAX_ARRIVAL_S), MAX_ARRIVAL_S))


def launcher_command(launcher: str, env: ParallelEnv, worker_args: list[str], log_dir: str, *, standalone: bool = False,
                     rdzv_timeout: int | None = None) -> list[str]:
    """The command line that starts ``swiftkit.parallel.worker`` on every local rank.

    ``standalone`` (one machine, no port asked for): torchrun picks a free rendezvous port
    itself, so jobs started side by side cannot race for one. ``rdzv_timeout``: seconds
    torchrun's rendezvous waits for the other nodes before it gives up (several nodes)."""
    if launcher == "deepspeed":
        cmd = [sys.executable, "-m", "deepspeed.launcher.runner", "--no_local_rank",
               "--num_gpus", str(env.nproc_per_node), "--num_nodes", str(env.nnodes),
               "--master_addr", env.master_addr, "--master_port", str(env.master_port)]
        if env.nnodes > 1:
            cmd += ["--node_rank", str(env.node_rank)]  # hosts come from DeepSpeed's hostfile
        return [*cmd, "--module", "swiftkit.parallel.worker", *worker_args]
    quiet = range(env.nproc_per_node) if env.node_rank > 0 else range(1, env.nproc_per_node)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(env.nproc_per_node)]
    if standalone:
        cmd += ["--standalone"]
    else:
        cmd += ["--nnodes", str(env.nnodes), "--node_rank", str(env.node_rank), "--master_addr", env.master_addr,
                "--master_port", str(env.master_port)]
        if rdzv_timeout is not None and env.nnodes > 1:
            cmd += ["--rdzv_conf", f"timeout={int(rdzv_timeout)}"]
    if list(quiet):  # one console log: the other ranks write to files under log_dir
        cmd += ["--log_dir", log_dir, "--redirects", ",".join(f"{r}:3" for r in quiet)]
    return [*cmd, "-m", "swiftkit.parallel.worker", *worker_args]


def first_rank_error(run_dir: str) -> dict[str, Any] | None:
    """The earliest exception a worker recorded, or None."""
    folder = os.path.join(run_dir, LAUNCH_DIR, "errors")
    found = []
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                found.append({**json.load(fh), "file": os.path.join(folder, name)})
        except (OSError, ValueError):
            continue
    return min(found, key=lambda e: e.get("time", 0.0)) if found else None


def launch(
    command: str,
    config: dict[str, Any],
    env: ParallelEnv,
    *,
    launcher: str,
    run_dir: str,
    console: Any = None,
) -> dict[str, Any]:
    """Run ``swift <command>`` on ``env.nproc_per_node`` local processes (this machine's part
    of the job) and return rank 0's result; raise :class:`SwiftkitError` with the failing
    rank's error if any rank fails."""
    launch_dir = os.path.join(run_dir, LAUNCH_DIR)
    os.makedirs(launch_dir, exist_ok=True)
    for folder in (os.path.join(launch_dir, "errors"), os.path.join(launch_dir, STARTED_DIR)):
        for stale in os.listdir(folder) if os.path.isdir(folder) else []:
            os.remove(os.path.join(folder, stale))
    result_path = os.path.join(launch_dir, RESULT_FILE)
    if os.path.exists(result_path):
        os.remove(result_path)
    config_path = os.path.join(launch_dir, CONFIG_FILE)
    worker_config = {**config, "output_dir": run_dir, "add_version": False}
    for key in ("nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port"):
        worker_config.pop(key, None)  # inside the workers the launcher's variables describe the world
    with open(config_path, "w", encoding="utf-8") as fh:
        json.dump(worker_config, fh, indent=2, default=str)
    standalone = env.nnodes == 1 and not os.environ.get("MASTER_PORT") and not config.get("master_port")
    if standalone and launcher == "deepspeed":
        env.master_port = _free_port()  # DeepSpeed's launcher needs a port named
    cmd = launcher_command(launcher, env, ["--command", command, "--config", config_path], os.path.join(launch_dir, "logs"),
                           standalone=standalone and launcher == "torchrun", rdzv_timeout=arrival_timeout(config))
    if console is not None:
        console.print(f"launching {env.nproc_per_node} process(es) on node {env.node_rank} of {env.nnodes} "
                      f"with {launcher} (world size {env.world_size}); other ranks log under {launch_dir}/logs")
    child_env = dict(os.environ)
    child_env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // env.nproc_per_node)))
    start = time.time()
    proc = subprocess.run(cmd, env=child_env, check=False)
    if proc.returncode != 0:
        error = first_rank_error(run_dir)
        if error is not None:
            hint = f"\n  {error['hint']}" if error.get("hint") else ""
            raise SwiftkitError(
                f"rank {error['rank']} of {error['world_size']} failed: {error['type']}: {error['message']}{hint}\n"
                f"  (its traceback: {error['file']})"
            )
        started = os.path.join(launch_dir, STARTED_DIR)
        if env.nnodes > 1 and not (os.path.isdir(started) and os.listdir(started)):
            raise SwiftkitError(
                f"node {env.node_rank} of {env.nnodes} gave up after {time.time() - start:.0f} s: the other node(s) did not "
                f"join the rendezvous at {env.master_addr}:{env.master_port} within {arrival_timeout(config)} s "
                f"(--ddp_timeout, at most {MAX_ARRIVAL_S} s). Start every node with the same NNODES, MASTER_ADDR and "
                f"MASTER_PORT and its own NODE_RANK (0 to {env.nnodes - 1}), and check that node 0 can be reached there"
            )
        raise SwiftkitError(
            f"the {launcher} launcher exited with code {proc.returncode} after {time.time() - start:.0f} s and no rank "
            f"recorded an error (killed by a signal or out of memory?); the other ranks' logs are under {launch_dir}/logs"
        )
    if not os.path.exists(result_path):
        if env.node_rank > 0:
            return {}
        raise SwiftkitError(f"the workers exited cleanly but rank 0 wrote no {result_path}")
    with open(result_path, encoding="utf-8") as fh:
        return json.load(fh)
