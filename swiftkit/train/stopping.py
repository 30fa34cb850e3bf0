"""Callbacks that end training early: ``--max_epochs`` and ``--early_stop_interval``."""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback


class MaxEpochs(TrainerCallback):
    """Stop once ``max_epochs`` epochs are done, whatever ``max_steps`` says (a streamed dataset
    has no length, so ms-swift bounds it by epochs this way); the Trainer then saves."""

    def __init__(self, max_epochs: int):
        self.max_epochs = max_epochs

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.epoch is not None and state.epoch >= self.max_epochs - 1e-9:
            control.should_training_stop = True
            control.should_save = True


class EarlyStop(TrainerCallback):
    """Stop when the evaluation metric (``metric_for_best_model``, default the loss) has not
    improved for ``interval`` evaluations in a row."""

    def __init__(self, interval: int):
        self.interval = interval
        self.best: float | None = None
        self.stale = 0

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None,
                    **kwargs: Any) -> None:
        name = args.metric_for_best_model or "loss"
        key = name if name.startswith("eval_") else f"eval_{name}"
        if not metrics or key not in metrics:
            return
        value = float(metrics[key])
        greater = args.greater_is_better if args.greater_is_better is not None else "loss" not in name
        if self.best is None or (value > self.best if greater else value < self.best):
            self.best, self.stale = value, 0
            return
        self.stale += 1
        if self.stale >= self.interval:
            control.should_training_stop = True


def stopping_callbacks(config: dict[str, Any]) -> list[Any]:
    """The callbacks the run's ``max_epochs`` / ``early_stop_interval`` ask for."""
    out: list[Any] = []
    if config.get("max_epochs"):
        out.append(MaxEpochs(int(config["max_epochs"])))
    if config.get("early_stop_interval"):
        out.append(EarlyStop(int(config["early_stop_interval"])))
    return out


def link_checkpoints(run_dir: str, last: str, best: str | None) -> dict[str, str]:
    """``--create_checkpoint_symlink``: ``<run>/last`` -> the last checkpoint, ``<run>/best`` ->
    the best one (when the Trainer ranked checkpoints); relative links, replaced if present."""
    import os

    made = {}
    for name, target in (("last", last), ("best", best)):
        if not target or not os.path.isdir(target):
            continue
        link = os.path.join(run_dir, name)
        if os.path.islink(link):
            os.unlink(link)
        if not os.path.exists(link):
            os.symlink(os.path.relpath(target, run_dir), link)
            made[name] = link
    return made
