"""LoRA tuner: registration module (light: imports nothing heavy).

The behaviour lives in :mod:`swiftkit.plugins.methods.lora.tuner` and is imported only when a
run selects ``--train_type lora``. Option names and defaults follow ms-swift's.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import INIT_LORA_WEIGHTS, LORA, option_schema

SWIFTKIT_PLUGIN_API = "1.5"

__all__ = ["INIT_LORA_WEIGHTS", "LORA_OPTIONS", "swift_register_methods", "swift_trainer_callbacks"]

#: the option schema; its keys are shared with the other LoRA-family tuners (adalora, loraplus,
#: qlora) and any third-party LoRA variant: it is the core's :data:`swiftkit.core.options.LORA` group
LORA_OPTIONS = option_schema(LORA)


@hookimpl
def swift_trainer_callbacks(config, run_dir):
    """LoRA-GA (``--init_lora_weights lora_ga``, ms-swift's ``--init_weights lora-ga``) initialises
    the adapters from the training data's gradients when training starts."""
    init = config.get("init_lora_weights")
    if not (isinstance(init, str) and init.lower().replace("-", "_") == "lora_ga"):
        return None
    from swiftkit.plugins.methods.lora.loraga import LoraGaCallback

    return [LoraGaCallback()]


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="lora",
            kind="tuner",
            description="Low-rank adapters (peft LoRA, with rsLoRA / DoRA / PiSSA variants).",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=LORA_OPTIONS,
            trains={"weights": "adapters", "rank_option": "lora_rank"},
            recommend={"order": 20, "label": "LoRA"},
            impl="swiftkit.plugins.methods.lora.tuner:LoraTuner",
        )
    ]
