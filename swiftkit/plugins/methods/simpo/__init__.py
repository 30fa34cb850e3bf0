"""Simple Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type simpo``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

SIMPO_OPTIONS = option_schema("beta", "loss_type", "label_smoothing", "simpo_gamma", "cpo_alpha")


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="simpo",
            kind="objective",
            command="rlhf",
            description=(
                "Simple Preference Optimization: length-normalised log-prob margin with a target "
                "margin (reference-free)."
            ),
            options=SIMPO_OPTIONS,
            impl="swiftkit.plugins.methods.simpo.objective:SimpoObjective",
        )
    ]
