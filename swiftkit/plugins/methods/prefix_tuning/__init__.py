"""Prefix tuning: registration module (light: imports nothing heavy).

Option names follow peft's (``num_virtual_tokens`` is shared with prompt tuning).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

PREFIX_TUNING_OPTIONS = option_schema(
    "num_virtual_tokens",
    own={
        "prefix_projection": {
            "type": "boolean",
            "default": False,
            "description": "Produce the prefixes with a two-layer MLP over learned embeddings (more "
            "stable training, more parameters) instead of learning them directly.",
        },
        "prefix_encoder_hidden_size": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Hidden size of that MLP (with prefix_projection); 0: the model's hidden size.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="prefix_tuning",
            kind="tuner",
            aliases=["prefix-tuning"],
            description="Prefix tuning: learned key/value prefixes in every attention layer (peft "
            "prefix tuning); the model itself stays frozen.",
            tags=["peft", "prompt"],
            requires=["peft>=0.17"],
            options=PREFIX_TUNING_OPTIONS,
            impl="swiftkit.plugins.methods.prefix_tuning.tuner:PrefixTuningTuner",
        )
    ]
