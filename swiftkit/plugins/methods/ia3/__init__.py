"""IA3 tuner: registration module (light: imports nothing heavy).

Option names follow ms-swift 2's (``--ia3_feedforward_modules``); the adapted modules are the
shared ``--target_modules``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

IA3_OPTIONS = option_schema(
    "target_modules",
    "target_regex",
    "modules_to_save",
    own={
        "ia3_feedforward_modules": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": "Which of the target modules are feed-forward layers (their input is "
            "scaled rather than their output). Empty: peft's choice for the architecture "
            "(down_proj on llama, qwen2, mistral ...).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="ia3",
            kind="tuner",
            description="IA3: learned per-channel scaling vectors on attention and feed-forward "
            "activations (peft IA3); a few thousand parameters.",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=IA3_OPTIONS,
            impl="swiftkit.plugins.methods.ia3.tuner:IA3Tuner",
        )
    ]
