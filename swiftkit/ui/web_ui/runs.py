"""Runs the board started: ``swift ...`` subprocesses, their logs, their training curves.

Each run is its own process group (``start_new_session``), so :meth:`Run.stop` ends the command
and everything it started (torchrun ranks, dataloader workers) with one signal. Its output goes
to ``<logs_dir>/<id>.log``; a training run's folder (``<output_dir>/vN-...``, where ``swift sft``
writes ``logging.jsonl``) is found as soon as the run creates it. Nothing here imports gradio.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

#: the training log of a run folder (``swiftkit.train.callbacks.LOG_FILE``; not imported: that
#: module imports transformers, which the board does not need to tail a file)
LOG_FILE = "logging.jsonl"
#: the commands whose runs write a run folder with ``logging.jsonl``
TRAINING_COMMANDS = ("sft", "pt", "rlhf")

RUNNING, FINISHED, FAILED, STOPPED = "running", "finished", "failed", "stopped"


@dataclass
class Run:
    """One command the board started."""

    id: int
    command: str
    args: list[str]
    log_path: str
    #: where the run writes (its ``--output_dir`` / ``--result_path`` ...), as given
    output_dir: str | None
    process: subprocess.Popen
    started: float = field(default_factory=time.time)
    ended: float | None = None
    stop_requested: bool = False
    #: the training run folder once it exists (``<output_dir>/vN-<time>``)
    run_dir: str | None = None
    #: the OpenAI-compatible URL a ``swift deploy`` run serves (``http://HOST:PORT/v1``)
    url: str | None = None
    _curve: list[dict[str, Any]] = field(default_factory=list)
    _curve_offset: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        code = self.process.poll()
        if code is not None and self.ended is None:
            self.ended = time.time()
        return code

    @property
    def status(self) -> str:
        code = self.returncode
        if code is None:
            return RUNNING
        if self.stop_requested:
            return STOPPED
        return FINISHED if code == 0 else FAILED

    @property
    def seconds(self) -> float:
        return (self.ended or time.time()) - self.started

    def command_line(self) -> str:
        from swiftkit.ui.web_ui.command import command_line

        return command_line(self.command, self.args)

    def log(self, tail_bytes: int = 64_000) -> str:
        """The last ``tail_bytes`` of the run's output (stdout and stderr together)."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - tail_bytes))
                data = fh.read()
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        return text[text.find("\n") + 1:] if size > tail_bytes else text

    def find_run_dir(self) -> str | None:
        """The training run folder this run writes under its output dir: the newest ``v*``
        folder created since the run started, or the output dir itself when the run's log
        appears there (``--add_version false``); ``None`` until one exists."""
        if self.run_dir or self.command not in TRAINING_COMMANDS:
            return self.run_dir
        root = self.output_dir or "output"
        try:
            names = os.listdir(root)
        except OSError:
            return None
        found = []
        for name in names:
            path = os.path.join(root, name)
            if name.startswith("v") and os.path.isdir(path) and os.path.getctime(path) >= self.started - 1:
                found.append((os.path.getctime(path), path))
        if found:
            self.run_dir = max(found)[1]
        elif LOG_FILE in names and os.path.getmtime(os.path.join(root, LOG_FILE)) >= self.started - 1:
            self.run_dir = root
        return self.run_dir

    def curve(self) -> list[dict[str, Any]]:
        """The training records logged so far (``logging.jsonl``: step, loss ...), read
        incrementally; a line still being written is read at the next call."""
        run_dir = self.find_run_dir()
        if not run_dir:
            return self._curve
        try:
            with open(os.path.join(run_dir, LOG_FILE), "rb") as fh:
                fh.seek(self._curve_offset)
                data = fh.read()
        except OSError:
            return self._curve
        end = data.rfind(b"\n") + 1  # whole lines only
        for line in data[:end].splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                self._curve.append(record)
        self._curve_offset += end
        return self._curve

    def losses(self, metric: str = "loss") -> list[tuple[float, float]]:
        """``(step, value)`` of ``metric`` in the training log so far."""
        return [(float(r["step"]), float(r[metric])) for r in self.curve()
                if isinstance(r.get(metric), (int, float)) and isinstance(r.get("step"), (int, float))]

    def last_checkpoint(self) -> str | None:
        """The newest ``checkpoint-N`` folder of the training run, if any."""
        run_dir = self.find_run_dir()
        if not run_dir or not os.path.isdir(run_dir):
            return None
        steps = [(int(n.split("-", 1)[1]), n) for n in os.listdir(run_dir)
                 if n.startswith("checkpoint-") and n.split("-", 1)[1].isdigit()]
        return os.path.join(run_dir, max(steps)[1]) if steps else None

    def stop(self, grace: float = 10.0) -> None:
        """End the run's process group: SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.returncode is not None:
            return
        self.stop_requested = True
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.returncode  # noqa: B018 -- records the end time


class RunManager:
    """Starts, lists and stops runs; their logs go under ``logs_dir``."""

    def __init__(self, logs_dir: str, *, cwd: str | None = None, env: dict[str, str] | None = None):
        self.logs_dir = logs_dir
        self.cwd = cwd
        self.env = env
        self._runs: dict[int, Run] = {}
        self._lock = threading.Lock()

    def start(self, command: str, args: list[str], *, output_dir: str | None = None, url: str | None = None) -> Run:
        """Run ``swift COMMAND ARGS`` with this interpreter (``python -m swiftkit``), in a new
        process group, its output to a log file."""
        os.makedirs(self.logs_dir, exist_ok=True)
        with self._lock:
            run_id = max(self._runs, default=0) + 1
            log_path = os.path.join(self.logs_dir, f"run-{run_id}-{command}-{time.strftime('%Y%m%d-%H%M%S')}.log")
            env = dict(os.environ if self.env is None else self.env)
            env.setdefault("PYTHONUNBUFFERED", "1")
            env.setdefault("COLUMNS", "120")  # rich's progress lines fit the log view
            with open(log_path, "wb") as log:
                log.write(f"$ swift {command} {' '.join(args)}\n".encode())
                log.flush()
                process = subprocess.Popen([sys.executable, "-m", "swiftkit", command, *args], stdout=log,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.cwd, env=env,
                                           start_new_session=True)
            out_dir = output_dir
            if out_dir and self.cwd and not os.path.isabs(out_dir):
                out_dir = os.path.join(self.cwd, out_dir)
            run = Run(id=run_id, command=command, args=list(args), log_path=log_path, output_dir=out_dir,
                      process=process, url=url)
            self._runs[run_id] = run
        return run

    def get(self, run_id: int) -> Run | None:
        return self._runs.get(run_id)

    def runs(self) -> list[Run]:
        """Every run, newest first."""
        return sorted(self._runs.values(), key=lambda r: -r.id)

    def table(self) -> list[list[Any]]:
        """One row per run: id, command, status, exit code, seconds, pid, output folder, command line."""
        rows = []
        for run in self.runs():
            status = run.status
            where = run.find_run_dir() or run.output_dir or run.url or ""
            rows.append([run.id, run.command, status, "" if run.returncode is None else run.returncode,
                         round(run.seconds, 1), run.pid, where, run.command_line()])
        return rows

    def stop_all(self) -> None:
        for run in self.runs():
            run.stop(grace=5.0)


TABLE_HEADERS = ["id", "command", "status", "exit", "seconds", "pid", "output", "command line"]
