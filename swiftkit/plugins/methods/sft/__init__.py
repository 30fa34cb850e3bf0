"""Supervised fine-tuning objective: registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

SFT_OPTIONS = {
    "type": "object",
    "properties": {
        "loss_scale": {
            "enum": ["default", "last_round", "all", "ignore_empty_think", "last_round_with_ignore_empty_think"],
            "default": "default",
            "description": "Which tokens the loss covers (ms-swift's values): 'default' every assistant reply "
            "(with its end-of-turn text; reasoning models keep earlier replies' thinking), 'last_round' only the "
            "final reply (earlier replies' thinking dropped as the prompt drops it), 'all' every token including "
            "system and user text; 'ignore_empty_think' and 'last_round_with_ignore_empty_think' as 'default' and "
            "'last_round' with empty thinking blocks (<think>\\n\\n</think>\\n\\n) left out of the loss.",
        },
        "enable_dft_loss": {
            "type": "boolean",
            "default": False,
            "description": "Dynamic Fine-Tuning: weight each label token's cross-entropy by the model's "
            "(gradient-free) probability of that token.",
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
