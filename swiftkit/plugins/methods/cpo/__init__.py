"""Contrastive Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type cpo``; options are ms-swift's flags, shared with the
other preference methods through :mod:`swiftkit.plugins.methods._preference_options`.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.plugins.methods._preference_options import preference_options

SWIFTKIT_PLUGIN_API = "1.0"

CPO_OPTIONS = preference_options("beta", "loss_type", "label_smoothing", "simpo_gamma", "cpo_alpha")


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
