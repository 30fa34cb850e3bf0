"""LISA tuner: registration module (light: imports nothing heavy).

LISA (Layerwise Importance Sampled AdamW, https://arxiv.org/abs/2403.17919) is full-parameter
training in which only a few decoder layers learn at a time: every ``lisa_step_interval``
optimizer steps a new set of ``lisa_activated_layers`` layers is drawn at random and the others
are frozen; the embeddings, the final norm and the output head always learn.

ms-swift spells it ``--train_type full --lisa_activated_layers N``; here it is the tuner
``lisa``, and ms-swift's spelling is accepted too (:func:`swift_config_adjust` turns a ``full``
run with ``--lisa_activated_layers`` > 0 into a ``lisa`` run). The switching is a Trainer
callback (:func:`swift_trainer_callbacks`).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

LISA_PROPERTIES: dict[str, dict[str, Any]] = {
    "lisa_activated_layers": {
        "type": "integer", "minimum": 0, "default": 0,
        "description": "How many decoder layers learn at a time (LISA); 0: LISA is off. With --train_type full, "
        "a value above 0 makes the run a LISA run (ms-swift's spelling); 2 or 8 are usual. Under data "
        "parallelism (DDP) pass --ddp_find_unused_parameters true: the frozen layers get no gradient.",
    },
    "lisa_step_interval": {
        "type": "integer", "minimum": 1, "default": 20,
        "description": "Optimizer steps between two draws of the layers that learn (LISA).",
    },
}

LISA_OPTIONS = {"type": "object", "properties": LISA_PROPERTIES}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="lisa",
            kind="tuner",
            description="LISA: full-parameter training in which a few randomly drawn decoder layers learn at a "
            "time (redrawn every lisa_step_interval steps); embeddings, final norm and head always learn.",
            tags=["full", "partial"],
            options=LISA_OPTIONS,
            trains={"weights": "all"},
            recommend={"label": "LISA"},
            default_learning_rate=1e-5,
            impl="swiftkit.plugins.methods.lisa.tuner:LisaTuner",
        )
    ]


@hookimpl
def swift_register_options():
    return [{
        "id": "lisa-flags",
        "description": "ms-swift's LISA flags (lisa_activated_layers, lisa_step_interval), valid on a full run.",
        "options": {"type": "object", "properties": LISA_PROPERTIES},
    }]


@hookimpl
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """A ``full`` run with ``--lisa_activated_layers`` > 0 becomes a ``lisa`` run."""
    from swiftkit.core.errors import ConfigError

    layers = int(config.get("lisa_activated_layers") or 0)
    train_type = config.get("train_type")
    if train_type == "lisa" and layers < 1:
        raise ConfigError("--train_type lisa needs --lisa_activated_layers N (N >= 1: how "
                          "many decoder layers learn at a time)")
    if layers < 1:
        return
    if train_type == "full":
        config["train_type"] = "lisa"
    elif train_type != "lisa" and command in ("sft", "pt", "rlhf"):
        raise ConfigError(
            f"--lisa_activated_layers switches which layers of full-parameter training "
            f"learn; it does not apply to --train_type {train_type}: add --train_type full (or use --train_type lisa)"
        )


@hookimpl
def swift_trainer_callbacks(config: dict[str, Any], run_dir: str) -> list[Any] | None:
    """The layer-switching callback of a ``lisa`` run."""
    if config.get("train_type") != "lisa":
        return None
    from swiftkit.plugins.methods.lisa.callback import LisaCallback

    return [LisaCallback(int(config["lisa_activated_layers"]), int(config.get("lisa_step_interval") or 20),
                         seed=int(config.get("seed") or 0))]
