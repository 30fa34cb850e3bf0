"""Runtime-hook plugin: ``run-journal`` keeps a journal of a training run's checkpoints and
stops a run whose loss is no longer a number.

Registration module: imports nothing but ``swiftkit.core``. It registers no new kind, only a
run-config key (``--journal_stop_on_nan``); its two runtime hooks import the behaviour
(:mod:`hooks_plugin.journal`, which needs transformers) when a training run calls them.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import OptionsSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_options() -> list[OptionsSpec]:
    return [
        OptionsSpec(
            id="run-journal",
            description="Checkpoint journal (checkpoints.jsonl in the run folder) and a stop on a NaN loss.",
            commands=["sft", "pt", "rlhf"],
            options={
                "type": "object",
                "properties": {
                    "journal_stop_on_nan": {
                        "type": "boolean",
                        "default": True,
                        "description": "Stop training (and note it in checkpoints.jsonl) when the logged loss is NaN or infinite.",
                    },
                },
            },
        )
    ]


@hookimpl
def swift_trainer_callbacks(config: dict[str, Any], run_dir: str) -> list[Any]:
    if not config.get("journal_stop_on_nan", True):
        return []
    from hooks_plugin.journal import StopOnNonFiniteLoss

    return [StopOnNonFiniteLoss(run_dir)]


@hookimpl
def swift_checkpoint_saved(checkpoint_dir: str, step: int, config: dict[str, Any]) -> None:
    from hooks_plugin.journal import record_checkpoint

    record_checkpoint(checkpoint_dir, step)
