"""Objective plugin: ``sft-smooth``, supervised fine-tuning with label smoothing.

Registration module: imports nothing but ``swiftkit.core``. ``command="rlhf"`` makes it a
choice of ``swift rlhf --rlhf_type sft-smooth`` (``swift sft`` runs the one objective whose
command is ``sft``, so a second one would make it ambiguous).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"

SMOOTH_OPTIONS = {
    "type": "object",
    "properties": {
        "sft_label_smoothing": {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.1,
            "description": "Share of each label's probability spread over the whole vocabulary.",
        },
    },
}


@hookimpl
def swift_register_methods() -> list[MethodSpec]:
    return [
        MethodSpec(
            id="sft-smooth",
            kind="objective",
            command="rlhf",
            description="Supervised fine-tuning with label-smoothed cross-entropy on the assistant replies.",
            options=SMOOTH_OPTIONS,
            impl="objective_plugin.objective:SmoothSftObjective",
        )
    ]
