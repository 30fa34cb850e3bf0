"""Supervised fine-tuning objective: registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.2"

SFT_OPTIONS = {
    "type": "object",
    "properties": {
        "loss_scale": {
            "enum": ["default", "last_round", "all"],
            "default": "default",
            "description": "Which tokens the loss covers: 'default' every assistant reply (with its "
            "end-of-turn text), 'last_round' only the final assistant reply, 'all' every token "
            "including system and user text.",
        },
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="sft",
            kind="objective",
            command="sft",
            description="Supervised fine-tuning: causal-LM cross-entropy on the assistant replies.",
            options=SFT_OPTIONS,
            impl="swiftkit.plugins.methods.sft.objective:SftObjective",
        )
    ]
