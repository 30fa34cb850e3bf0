"""Tuner plugin: ``layernorm`` trains only the normalisation layers' weights (LayerNorm tuning).

Registration module: imports nothing but ``swiftkit.core``. ``--train_type layernorm`` picks it;
its options are flat run-config keys (``--layernorm_train_lm_head true``).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.1"

# Keys are one flat namespace shared with the core and every plugin. A key other tuners also
# take comes from its shared group (swiftkit.core.options.ADAPTER's ``modules_to_save``: the
# same flag and schema as lora's); the tuner's own keys carry its name so that they never collide.
LAYERNORM_OPTIONS = option_schema(
    "modules_to_save",
    own={
        "layernorm_train_lm_head": {
            "type": "boolean",
            "default": False,
            "description": "Also train the output projection (lm_head).",
        },
    },
)


@hookimpl
def swift_register_methods() -> list[MethodSpec]:
    return [
        MethodSpec(
            id="layernorm",
            kind="tuner",
            description="Train only the normalisation layers (a few thousand parameters per layer).",
            options=LAYERNORM_OPTIONS,
            impl="tuner_plugin.tuner:LayerNormTuner",
        )
    ]
