"""The ``run-journal`` behaviour: ``<run_dir>/checkpoints.jsonl``, one JSON line per event.

The journal lives beside the checkpoints, never inside one: a checkpoint folder is read as
written by resume, ``swift infer`` and ``swift export``.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from transformers import TrainerCallback

JOURNAL = "checkpoints.jsonl"


def _append(run_dir: str, entry: dict[str, Any]) -> None:
    with open(os.path.join(run_dir, JOURNAL), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def record_checkpoint(checkpoint_dir: str, step: int) -> None:
    """Journal a complete checkpoint: its step, folder, files and size (rank 0 only: the hook
    is called there). Quick, as the other ranks wait: an upload would start a thread here."""
    files = sorted(os.listdir(checkpoint_dir))
    size = sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(checkpoint_dir) for name in names)
    _append(os.path.dirname(checkpoint_dir), {"event": "checkpoint", "step": step, "checkpoint": os.path.basename(checkpoint_dir),
                                              "files": files, "bytes": size})


class StopOnNonFiniteLoss(TrainerCallback):
    """Asks the Trainer to stop once a logged loss is NaN or infinite (every rank stops; only
    the main process writes the journal)."""

    def __init__(self, run_dir: str):
        self.run_dir = run_dir

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        control.should_training_stop = True
        if state.is_world_process_zero:
            _append(self.run_dir, {"event": "stopped", "step": state.global_step, "loss": str(loss)})
