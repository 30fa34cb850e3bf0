"""AdaLoRA tuner: registration module (light: imports nothing heavy).

Option names and defaults follow ms-swift's (``--adalora_target_r`` ...). AdaLoRA moves rank
between layers on a schedule over the whole run, so it needs the run's number of optimizer
steps: ``--adalora_total_step``, or else the run's ``--max_steps`` (see
:class:`swiftkit.plugins.methods.adalora.tuner.AdaLoraTuner`).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

_BETA = {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.85}

ADALORA_OPTIONS = option_schema(
    "target_modules",
    "target_regex",
    "lora_alpha",
    "lora_dropout",
    "modules_to_save",
    "lora_bias",
    own={
        "adalora_target_r": {
            "type": "integer",
            "minimum": 1,
            "default": 8,
            "description": "Average rank per adapted layer that AdaLoRA prunes down to.",
        },
        "adalora_init_r": {
            "type": "integer",
            "minimum": 1,
            "default": 12,
            "description": "Rank every adapted layer starts with (at least adalora_target_r).",
        },
        "adalora_tinit": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Warm-up steps before rank pruning starts.",
        },
        "adalora_tfinal": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Final steps trained with the rank budget fixed.",
        },
        "adalora_deltaT": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Steps between two rank re-allocations.",
        },
        "adalora_beta1": {**_BETA, "description": "EMA coefficient of the parameter sensitivity."},
        "adalora_beta2": {**_BETA, "description": "EMA coefficient of the sensitivity's uncertainty."},
        "adalora_orth_reg_weight": {
            "type": "number",
            "minimum": 0,
            "default": 0.5,
            "description": "Weight of the orthogonality regulariser on the singular vectors (added to "
            "the loss the model returns when it is given labels).",
        },
        "adalora_total_step": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Total optimizer steps of the run, for the rank schedule. 0: the run's "
            "--max_steps (a run that sets only --num_train_epochs must set this).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="adalora",
            kind="tuner",
            description="Adaptive-rank LoRA (peft AdaLoRA): SVD-shaped adapters whose rank budget "
            "is re-allocated between layers during training.",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=ADALORA_OPTIONS,
            impl="swiftkit.plugins.methods.adalora.tuner:AdaLoraTuner",
        )
    ]
