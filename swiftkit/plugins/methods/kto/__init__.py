"""Kahneman-Tversky Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type kto``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

KTO_OPTIONS = option_schema("beta", "loss_type", "desirable_weight", "undesirable_weight")


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="kto",
            kind="objective",
            command="rlhf",
            description=(
                "Kahneman-Tversky Optimization on unpaired rows labelled desirable or undesirable, "
                "against a reference model; the reference point is the batch KL estimated from "
                "mismatched prompt/completion pairs (loss types kto, apo_zero_unpaired)."
            ),
            options=KTO_OPTIONS,
            impl="swiftkit.plugins.methods.kto.objective:KtoObjective",
        )
    ]
