"""Odds Ratio Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type orpo``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

ORPO_OPTIONS = option_schema("beta")


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="orpo",
            kind="objective",
            command="rlhf",
            description=(
                "Odds Ratio Preference Optimization: SFT on the chosen reply plus an odds-ratio term "
                "(reference-free)."
            ),
            options=ORPO_OPTIONS,
            impl="swiftkit.plugins.methods.orpo.objective:OrpoObjective",
        )
    ]
