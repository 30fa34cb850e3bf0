"""Full fine-tuning tuner: registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="full",
            kind="tuner",
            description="Full-parameter fine-tuning: every weight of the model is trained.",
            options={"type": "object", "properties": {}},
            trains={"weights": "all"},
            recommend={"order": 10, "label": "full fine-tuning"},
            default_learning_rate=1e-5,  # ms-swift's for full fine-tuning
            impl="swiftkit.plugins.methods.full.tuner:FullTuner",
        )
    ]
