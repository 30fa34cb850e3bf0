"""Direct Preference Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type dpo``; options are ms-swift's flags, shared with the
other preference methods through the core's :data:`swiftkit.core.options.PREFERENCE` group.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

DPO_OPTIONS = option_schema("beta", "loss_type", "label_smoothing", "rpo_alpha", own={
    "ld_alpha": {
        "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}],
        "default": None,
        "description": "DPO (LD-DPO): weight of the log-probabilities of the reply tokens past the length the "
        "chosen and rejected replies share (< 1 lessens the length bias), for the policy and the reference. "
        "Null: off (every token weighs 1).",
    },
    "discopop_tau": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 0.05,
        "description": "DPO: temperature of DiscoPOP's sigmoid modulation of the log-ratio (--loss_type discopop).",
    },
})


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
