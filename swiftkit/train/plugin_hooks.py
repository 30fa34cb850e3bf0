"""The training side of the runtime hooks: the callbacks plugins add to the Trainer
(``swift_trainer_callbacks``) and the observation of every checkpoint once it is in place
(``swift_checkpoint_saved``)."""

from __future__ import annotations

import os
from typing import Any

from transformers import TrainerCallback


def plugin_callbacks(config: dict[str, Any], run_dir: str, registry: Any = None) -> list[Any]:
    """The Trainer callbacks the plugins contribute, then the checkpoint observer when a plugin
    implements ``swift_checkpoint_saved``. Called once per training process."""
    from swiftkit.core.hookcall import call_each, hook_error, implementers
    from swiftkit.core.registry import get_registry

    registry = registry or get_registry()
    hook = "swift_trainer_callbacks"
    callbacks: list[Any] = []
    for plugin, returned in call_each(registry, hook, config=config, run_dir=run_dir):
        if returned is None:
            continue
        items = returned if isinstance(returned, (list, tuple)) else [returned]
        for item in items:
            if not (isinstance(item, TrainerCallback) or (isinstance(item, type) and issubclass(item, TrainerCallback))):
                raise hook_error(registry, hook, f"returned {item!r}, which is not a transformers.TrainerCallback",
                                 plugin)
            callbacks.append(item)
    if implementers(registry, "swift_checkpoint_saved"):
        callbacks.append(CheckpointSaved(config, registry))
    return callbacks


class CheckpointSaved(TrainerCallback):
    """Calls ``swift_checkpoint_saved`` on the main process after each save.

    The Trainer fires ``on_save`` once ``_save_checkpoint`` has returned, and
    :class:`~swiftkit.train.trainer.SwiftTrainer` renames the staging folder into place inside
    it: the hook sees the final ``checkpoint-N`` folder, complete."""

    def __init__(self, config: dict[str, Any], registry: Any):
        self.config = config
        self.registry = registry

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        from swiftkit.core.hookcall import call_hook

        folder = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
        if os.path.isdir(folder):  # absent only if a save strategy skipped writing it
            call_hook(self.registry, "swift_checkpoint_saved", checkpoint_dir=folder, step=state.global_step,
                      config=self.config)
