"""Full fine-tuning tuner: registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="full",
            kind="tuner",
            description="Full-parameter fine-tuning: every weight of the model is trained.",
            options={"type": "object", "properties": {}},
            impl="swiftkit.plugins.methods.full.tuner:FullTuner",
        )
    ]
