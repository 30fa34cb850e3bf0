"""The run folder's life: claimed when a run starts (refusing to mix two runs' checkpoints),
its log cut back to the checkpoint a resumed run starts from, and removed again when the run
fails before its first training step (so a failed run never consumes a ``vN-`` version)."""

from __future__ import annotations

import json
import os
import re
import shutil
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.train.args_file import ARGS_FILE

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
#: what a fresh run in a reused folder must not inherit from the earlier run
_RUN_FILES = ("logging.jsonl", "loss_curve.png")


def checkpoints(run_dir: str) -> list[str]:
    """The ``checkpoint-N`` folders in ``run_dir``, by step."""
    if not os.path.isdir(run_dir):
        return []
    found = [(int(m.group(1)), n) for n in os.listdir(run_dir)
             if (m := _CHECKPOINT.match(n)) and os.path.isdir(os.path.join(run_dir, n))]
    return [n for _, n in sorted(found)]


def checkpoint_step(checkpoint: str) -> int | None:
    """The global step a checkpoint was saved at: its ``trainer_state.json``, else its name."""
    try:
        with open(os.path.join(checkpoint, "trainer_state.json"), encoding="utf-8") as fh:
            return int(json.load(fh)["global_step"])
    except (OSError, ValueError, KeyError, TypeError):
        m = _CHECKPOINT.match(os.path.basename(os.path.normpath(checkpoint)))
        return int(m.group(1)) if m else None


def folder_error(run_dir: str, exc: OSError) -> SwiftkitError:
    """A run folder that cannot be created or written (read-only, not a folder, disk full)."""
    reason = exc.strerror or str(exc)
    return SwiftkitError(f"cannot write the run folder {run_dir}: {reason}"
                         + (f" ({exc.filename})" if exc.filename and str(exc.filename) != run_dir else "")
                         + " -- choose a writable --output_dir")


def claim(run_dir: str, config: dict[str, Any], say: Any) -> bool:
    """Make ``run_dir`` this run's folder; returns whether this call created it.

    A new (not resumed) run in a folder holding another run's checkpoints is refused unless
    ``overwrite_output_dir``, which removes them; an earlier run's ``args.json`` and log that
    are replaced are reported through ``say`` (a one-argument callable)."""
    resuming = bool(config.get("resume_from_checkpoint"))
    created = not os.path.isdir(run_dir)
    try:
        os.makedirs(run_dir, exist_ok=True)
    except OSError as exc:
        raise folder_error(run_dir, exc) from exc
    if resuming or created:
        return created
    old = checkpoints(run_dir)
    if old and not config.get("overwrite_output_dir"):
        raise ConfigError(
            f"--output_dir {run_dir} already holds another run's checkpoints ({', '.join(old)}): continue it with "
            f"--resume_from_checkpoint {os.path.join(run_dir, old[-1])}, write elsewhere (another --output_dir, or "
            "--add_version true), or replace them with --overwrite_output_dir true")
    stale = old + [n for n in (ARGS_FILE, *_RUN_FILES) if os.path.exists(os.path.join(run_dir, n))]
    if not stale:
        return created
    try:
        for name in stale:
            path = os.path.join(run_dir, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    except OSError as exc:
        raise folder_error(run_dir, exc) from exc
    why = "--overwrite_output_dir" if old else "an earlier run in this folder left no checkpoint"
    say(f"{run_dir}: replaced the earlier run's {', '.join(stale)} ({why})")
    return created


def discard_untrained(run_dir: str) -> bool:
    """Remove a folder this run created when no checkpoint landed in it (the run failed before
    training). Returns whether it was removed."""
    if checkpoints(run_dir):
        return False
    shutil.rmtree(run_dir, ignore_errors=True)
    return not os.path.exists(run_dir)
