"""Option schemas several strategies share (light: imports nothing).

Run-config keys are one flat namespace, and the core accepts a key defined by two plugins only
when both define it with an identical schema; every strategy therefore takes the process-group
keys from here. They are transformers' ``TrainingArguments`` names (ms-swift uses the same).
"""

from __future__ import annotations

import copy
from typing import Any

_SHARED: dict[str, dict[str, Any]] = {
    "ddp_backend": {
        "enum": ["gloo", "nccl", "mpi", "xccl", "hccl", None],
        "default": None,
        "description": "torch.distributed backend. Unset: gloo on CPU, nccl on CUDA GPUs.",
    },
    "ddp_timeout": {
        "type": "integer",
        "minimum": 1,
        "default": 18000000,
        "description": "Seconds a collective may wait for the other ranks (init_process_group timeout). "
        "ms-swift's default is effectively no limit, so that a long dataset preparation on rank 0 "
        "does not kill the ranks waiting for it; lower it to fail fast on a hung rank.",
    },
}


def shared_options(*names: str) -> dict[str, dict[str, Any]]:
    """Fresh copies of the shared option schemas ``names`` (all of them when none are named)."""
    return {name: copy.deepcopy(_SHARED[name]) for name in (names or tuple(_SHARED))}
