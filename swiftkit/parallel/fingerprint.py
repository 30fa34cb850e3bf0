"""Refusing a multi-node job whose nodes were started with different configurations.

Each node composes its own run configuration from its own command line, so two nodes started
with a different ``--model``, ``--dataset`` or ``NNODES`` would otherwise train side by side on
different things (or as independent jobs). Before anything loads, every rank publishes the
composed configuration it will train with in the launcher's rendezvous store (torchrun's
agent TCPStore, reached at ``MASTER_ADDR:MASTER_PORT``); rank 0 compares every rank's with its
own and each other rank compares rank 0's with its own, so every node stops with an error
naming the keys that differ. Local files behind the paths count too (``contents:<key>``): the
same ``--model /data/model`` or ``--dataset train.jsonl`` holding other files on another machine is
refused as well (a folder by its ``config.json`` and its files' names and sizes, a file by its size
and the hashes of its first and last MiB; hub ids are compared by name only).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from typing import Any

from swiftkit.core.errors import ConfigError

#: keys that name where *this* node writes or reads its own files: allowed to differ per node
NODE_LOCAL_KEYS = frozenset({"output_dir", "logging_dir", "add_version", "resume_from_checkpoint",
                             "dataset_num_proc", "report_to"})
KEY_PREFIX = "swiftkit/run-config/"
#: keys whose values may name local files or folders (a model, adapters, datasets)
PATH_KEYS = ("model", "adapters", "ref_model", "ref_adapters", "reward_model", "teacher_model", "dataset",
             "val_dataset")
#: bytes hashed at each end of a local file
EDGE_BYTES = 1 << 20


def _file_summary(path: str) -> str:
    size = os.path.getsize(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(EDGE_BYTES))
        if size > 2 * EDGE_BYTES:
            fh.seek(size - EDGE_BYTES)
        h.update(fh.read(EDGE_BYTES))
    return f"{size} bytes, sha256 of the ends {h.hexdigest()[:16]}"


def _folder_summary(path: str) -> str:
    h = hashlib.sha256()
    names = sorted(os.listdir(path))
    for name in names:
        full = os.path.join(path, name)
        if os.path.isfile(full):
            h.update(f"{name}:{os.path.getsize(full)};".encode())
    config = os.path.join(path, "config.json")
    if os.path.isfile(config):
        with open(config, "rb") as fh:
            h.update(fh.read())
    return f"{len(names)} entries, sha256 {h.hexdigest()[:16]}"


def local_contents(config: dict[str, Any]) -> dict[str, list[str]]:
    """``{"contents:<key>": [summary, ...]}``, one summary per value of :data:`PATH_KEYS` that
    names an existing local file or folder (a dataset's ``#N`` sample count is ignored). Paths
    are left out: a differing path is the key's own difference, a copy of the same file is not one."""
    out: dict[str, list[str]] = {}
    for key in PATH_KEYS:
        values = config.get(key)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str):
                continue
            path = value if os.path.exists(value) else value.rpartition("#")[0]
            try:
                if path and os.path.isfile(path):
                    out.setdefault(f"contents:{key}", []).append(_file_summary(path))
                elif path and os.path.isdir(path):
                    out.setdefault(f"contents:{key}", []).append(_folder_summary(path))
            except OSError as exc:  # unreadable here: that difference is what the comparison shows
                out.setdefault(f"contents:{key}", []).append(f"unreadable ({exc.strerror})")
    return out


def run_fingerprint(config: dict[str, Any], environ: dict[str, str] | None = None) -> dict[str, Any]:
    """What must be equal on every node: the composed run configuration (less the node-local
    keys), what its local paths hold (:func:`local_contents`) and the shape of the world as this
    node's launcher sees it."""
    environ = dict(os.environ if environ is None else environ)
    shared = {k: v for k, v in config.items() if k not in NODE_LOCAL_KEYS}
    world_size = int(environ.get("WORLD_SIZE", "1"))
    per_node = int(environ.get("LOCAL_WORLD_SIZE", str(world_size)))
    shared.update({"world_size": world_size, "nproc_per_node": per_node, "nnodes": world_size // max(per_node, 1)})
    shared.update(local_contents(config))
    return json.loads(json.dumps(shared, sort_keys=True, default=str))  # plain JSON values, comparable


def digest(fingerprint: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def differing_keys(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(mine) | set(theirs) if mine.get(k, "<unset>") != theirs.get(k, "<unset>"))


def describe_mismatch(mine: dict[str, Any], rank: int, theirs: dict[str, Any], other_rank: int) -> str:
    keys = differing_keys(mine, theirs)
    lines = [f"  {k}: {mine.get(k, '<unset>')!r} on rank {rank} vs {theirs.get(k, '<unset>')!r} on rank {other_rank}"
             for k in keys]
    return (f"the nodes of this job were started with different run configurations "
            f"({len(keys)} key(s) differ between rank {rank} and rank {other_rank}):\n" + "\n".join(lines) +
            "\n  start every node with the same flags (only output paths may differ) and the same NNODES/NPROC_PER_NODE")


def agent_store(timeout_s: float) -> Any | None:
    """A client of the launcher's rendezvous store, or None where the launcher keeps none
    (the DeepSpeed launcher: the first process group creates the store itself)."""
    if os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        return None
    import torch.distributed as dist

    return dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), is_master=False,
                         timeout=timedelta(seconds=timeout_s))


def check_same_config(config: dict[str, Any], store: Any, *, rank: int, world_size: int, timeout_s: float,
                      environ: dict[str, str] | None = None) -> str:
    """Publish this rank's fingerprint in ``store`` and compare (see the module doc); return
    the digest, or raise :class:`ConfigError` naming the keys that differ. A rank that never
    publishes (its node never started) ends the wait after ``timeout_s`` with an error."""
    mine = run_fingerprint(config, environ)
    run_id = os.environ.get("TORCHELASTIC_RUN_ID", "none")
    prefix = f"{KEY_PREFIX}{run_id}/"
    store.set(f"{prefix}{rank}", json.dumps(mine, sort_keys=True))
    others = range(1, world_size) if rank == 0 else [0]
    keys = [f"{prefix}{r}" for r in others]
    try:
        store.wait(keys, timedelta(seconds=timeout_s))
    except Exception as exc:  # noqa: BLE001 - torch raises DistStoreError/RuntimeError by version
        missing = [r for r, k in zip(others, keys, strict=True) if not store.check([k])]
        raise ConfigError(
            f"rank(s) {missing} did not publish their run configuration within {timeout_s:.0f} s (--ddp_timeout): "
            f"their node stopped before training started ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        ) from exc
    for other, key in zip(others, keys, strict=True):
        theirs = json.loads(store.get(key))
        if theirs != mine:
            raise ConfigError(describe_mismatch(mine, rank, theirs, other))
    return digest(mine)
