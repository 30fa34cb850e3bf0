"""VeRA tuner: registration module (light: imports nothing heavy).

Option names and defaults follow ms-swift's (``--vera_rank 256``, ``--vera_projection_prng_key``,
``--vera_dropout``, ``--vera_d_initial``); the adapted modules are the shared ``--target_modules``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

VERA_OPTIONS = option_schema(
    "target_modules",
    "target_regex",
    "modules_to_save",
    own={
        "vera_rank": {
            "type": "integer",
            "minimum": 1,
            "default": 256,
            "description": "Rank of the frozen random projections shared by all adapted layers (VeRA "
            "uses a much higher rank than LoRA: only two scaling vectors per layer train).",
        },
        "vera_projection_prng_key": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Seed of the shared random projections (they can be regenerated from it).",
        },
        "vera_dropout": {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.0,
            "description": "Dropout applied to the VeRA branch input.",
        },
        "vera_d_initial": {
            "type": "number",
            "default": 0.1,
            "description": "Initial value of the trainable d scaling vector (b starts at zero).",
        },
        "vera_save_projection": {
            "type": "boolean",
            "default": True,
            "description": "Save the random projections with the adapter (safer across torch versions "
            "and devices, larger files); otherwise they are regenerated from the seed.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="vera",
            kind="tuner",
            description="VeRA: frozen shared random low-rank projections with trainable per-layer "
            "scaling vectors (peft VeRA).",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=VERA_OPTIONS,
            impl="swiftkit.plugins.methods.vera.tuner:VeraTuner",
        )
    ]
