"""Progress of the pipeline on a rich console, and ``datasets`` kept quiet meanwhile.

``datasets`` reports ``map`` progress (also from ``num_proc`` workers, whose counts come back
to the main process) through one tqdm class that ``datasets.arrow_dataset`` imports as
``hf_tqdm``. While a step runs, :func:`map_progress` puts a small adapter in its place that
advances a rich task instead, so the user sees one rich progress bar per step with real row
counts. If a future ``datasets`` renames that attribute the adapter is simply not installed:
the steps still run, without a bar. Everything else ``datasets`` would print (its own bars,
``num_proc`` warnings) is silenced for the duration of :func:`quiet_datasets`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def quiet_datasets() -> Iterator[None]:
    """``datasets``' own progress bars and logging off; restored afterwards."""
    import datasets
    from datasets.utils import logging as ds_logging

    bars_were_on = datasets.is_progress_bar_enabled()
    level = ds_logging.get_verbosity()
    datasets.disable_progress_bars()
    ds_logging.set_verbosity(ds_logging.CRITICAL)  # loader failures become our own errors
    try:
        yield
    finally:
        ds_logging.set_verbosity(level)
        if bars_were_on:
            datasets.enable_progress_bars()


class _RichBar:
    """The slice of tqdm's interface ``datasets.Dataset.map`` uses, advancing a rich task."""

    def __init__(self, progress: Any, description: str, *args: Any, total: Any = None, initial: int = 0, **kwargs: Any):
        self.progress = progress
        self.total = total
        self.task = None
        if progress is not None:
            self.task = progress.add_task(description, total=total, completed=initial or 0)

    def update(self, n: int = 1) -> None:
        if self.task is not None and n:
            self.progress.advance(self.task, n)

    def close(self) -> None:
        if self.task is not None and self.total is not None:
            self.progress.update(self.task, completed=self.total)

    def __enter__(self) -> _RichBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:  # set_postfix, refresh, ...: nothing to do
        return lambda *a, **k: None


@contextlib.contextmanager
def map_progress(progress: Any, description: str) -> Iterator[None]:
    """Show the ``map`` calls inside this block as a rich task named ``description``
    (nothing when ``progress`` is ``None``)."""
    import datasets.arrow_dataset as arrow_dataset

    original = getattr(arrow_dataset, "hf_tqdm", None)
    if original is None:
        yield
        return
    arrow_dataset.hf_tqdm = lambda *a, **k: _RichBar(progress, description, *a, **k)
    try:
        yield
    finally:
        arrow_dataset.hf_tqdm = original


def make_progress(console: Any) -> Any:
    """A rich ``Progress`` for the pipeline's steps on ``console`` (``None`` for no console)."""
    if console is None:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
    )


@contextlib.contextmanager
def step(progress: Any, description: str) -> Iterator[Any]:
    """A step without live row counts (loading a file). Yields ``done(rows)``, which completes
    the task showing ``rows`` as its count; the task completes anyway when the block ends."""
    if progress is None:
        yield lambda rows: None
        return
    task = progress.add_task(description, total=None)
    finished = False

    def done(rows: int) -> None:
        nonlocal finished
        finished = True
        progress.update(task, total=rows, completed=rows)

    try:
        yield done
    finally:
        if not finished:
            progress.update(task, total=1, completed=1)
