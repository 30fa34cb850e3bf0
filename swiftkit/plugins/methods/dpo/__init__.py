"""Direct Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type dpo``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.2"

DPO_OPTIONS = option_schema("beta", "loss_type", "label_smoothing", "rpo_alpha")


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="dpo",
            kind="objective",
            command="rlhf",
            description=(
                "Direct Preference Optimization on chosen/rejected pairs against a reference model "
                "(loss types sigmoid, hinge, ipo, robust; label smoothing; optional RPO SFT term)."
            ),
            options=DPO_OPTIONS,
            impl="swiftkit.plugins.methods.dpo.objective:DpoObjective",
        )
    ]
