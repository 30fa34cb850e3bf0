"""LoRA+ tuner: registration module (light: imports nothing heavy).

LoRA+ is LoRA trained with a larger learning rate for the B matrices. ms-swift spells it
``--train_type lora --lorap_lr_ratio 16``; here it is a tuner of its own, ``loraplus``, that
takes every ``lora`` option (same schemas) plus ``--lorap_lr_ratio`` and ``--lorap_lr_embedding``,
and supplies the optimizer (see :meth:`swiftkit.plugins.methods.loraplus.tuner.LoraPlusTuner.create_optimizer`).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import LORA, option_schema

SWIFTKIT_PLUGIN_API = "1.5"

LORAPLUS_OPTIONS = option_schema(
    LORA,
    own={
        "lorap_lr_ratio": {
            "type": "number",
            "minimum": 1,
            "default": 16,
            "description": "Learning rate of the LoRA B matrices (and of 1-d adapter parameters) as a "
            "multiple of --learning_rate, which the A matrices use. The LoRA+ paper suggests 2-16; "
            "lower --learning_rate a little when raising it.",
        },
        "lorap_lr_embedding": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 1e-6,
            "description": "Learning rate of LoRA adapters on embedding layers (when target_modules "
            "includes one).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="loraplus",
            kind="tuner",
            aliases=["lora_plus", "lora+"],
            description="LoRA+: LoRA adapters trained with a higher learning rate for the B "
            "matrices (peft's LoRA+ optimizer).",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=LORAPLUS_OPTIONS,
            trains={"weights": "adapters", "rank_option": "lora_rank"},
            recommend={"label": "LoRA+"},
            impl="swiftkit.plugins.methods.loraplus.tuner:LoraPlusTuner",
        )
    ]
