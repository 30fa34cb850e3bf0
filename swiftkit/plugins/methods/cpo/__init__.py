"""Contrastive Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type cpo``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

CPO_OPTIONS = option_schema("beta", "loss_type", "label_smoothing", "simpo_gamma", "cpo_alpha")


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="cpo",
            kind="objective",
            command="rlhf",
            description=(
                "Contrastive Preference Optimization: reference-free preference loss plus NLL on the "
                "chosen reply."
            ),
            options=CPO_OPTIONS,
            impl="swiftkit.plugins.methods.cpo.objective:CpoObjective",
        )
    ]
