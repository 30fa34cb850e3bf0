"""Continued pre-training objective: registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="pt",
            kind="objective",
            command="pt",
            description="Continued pre-training: causal-LM cross-entropy on every token of plain text.",
            impl="swiftkit.plugins.methods.pt.objective:PtObjective",
        )
    ]
