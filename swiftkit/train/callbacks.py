"""Trainer callbacks: a jsonl log in the run folder, a loss-curve PNG at the end, and a
rich progress line on the console."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from transformers import TrainerCallback

LOG_FILE = "logging.jsonl"
CURVE_FILE = "loss_curve.png"


class JsonlLogger(TrainerCallback):
    """Appends every log record (step, epoch, loss, token_acc, learning rate ...) as one JSON
    line to ``<run>/logging.jsonl``; a resumed run appends to the same file."""

    def __init__(self, run_dir: str):
        self.path = os.path.join(run_dir, LOG_FILE)
        self.start = time.time()

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero or not logs:
            return
        record = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), **logs,
                  "elapsed_s": round(time.time() - self.start, 3)}
        with open(self.path, "a+", encoding="utf-8") as fh:
            if fh.tell() and not _ends_with_newline(self.path):  # a killed run's partial line stays on its own
                fh.write("\n")
            fh.write(json.dumps(record) + "\n")


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def _records(path: str) -> list[dict[str, Any]]:
    """The JSON-object lines of a log; a partial or invalid line (a run killed mid-write) is skipped."""
    records = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def read_log(run_dir: str) -> list[dict[str, Any]]:
    """The records of ``<run>/logging.jsonl`` (``[]`` without one); unreadable lines are skipped."""
    path = os.path.join(run_dir, LOG_FILE)
    if not os.path.exists(path):
        return []
    return _records(path)


def truncate_log(run_dir: str, step: int) -> int:
    """Keep only the records up to ``step`` (a resumed run logs the later steps again), and
    drop unreadable lines; the file is replaced atomically. Returns how many records were dropped."""
    path = os.path.join(run_dir, LOG_FILE)
    if not os.path.exists(path):
        return 0
    records = _records(path)
    kept = [r for r in records if not isinstance(r.get("step"), (int, float)) or r["step"] <= step]
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = sum(1 for line in fh if line.strip())
    if len(kept) == lines:
        return 0
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in kept)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return lines - len(kept)


def plot_loss_curve(run_dir: str) -> str | None:
    """Draw ``loss_curve.png`` from the jsonl log (training loss, and eval loss when present).
    Returns the path, or ``None`` when matplotlib is missing or nothing was logged."""
    records = read_log(run_dir)
    train = [(r["step"], r["loss"]) for r in records if "loss" in r]
    evals = [(r["step"], r["eval_loss"]) for r in records if "eval_loss" in r]
    if not train and not evals:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss")
    if evals:
        ax.plot(*zip(*evals, strict=True), "o-", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(os.path.basename(os.path.normpath(run_dir)))
    path = os.path.join(run_dir, CURVE_FILE)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


class ConsoleProgress(TrainerCallback):
    """One rich progress bar with the latest loss (rank 0 only), replacing tqdm's."""

    def __init__(self, console: Any = None):
        self.console = console
        self.progress: Any = None
        self.task: Any = None
        self.last: dict[str, Any] = {}

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"), console=self.console, transient=False, refresh_per_second=2,
        )
        self.progress.start()
        self.task = self.progress.add_task("train", total=state.max_steps, completed=state.global_step, info="")

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if self.progress is None or not logs:
            return
        self.last.update({k: v for k, v in logs.items() if k in ("loss", "token_acc", "eval_loss")})
        info = "  ".join(f"{k} {v:.4f}" for k, v in self.last.items() if isinstance(v, (int, float)))
        self.progress.update(self.task, info=info)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)
            self.progress.stop()
            self.progress = None
