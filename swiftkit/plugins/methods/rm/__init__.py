"""Reward model objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type rm``: a scalar value head on the causal LM's last hidden
state, trained on chosen/rejected pairs (the ``preference`` data mode, as DPO) with the
Bradley-Terry loss ``-logsigmoid(r_chosen - r_rejected)``. The head is saved next to the
adapter/weights of every checkpoint as ``value_head.safetensors``; score conversations with
:func:`swiftkit.plugins.methods.rm.objective.load_reward_model`.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

RM_OPTIONS = {
    "type": "object",
    "properties": {
        "center_rewards_coefficient": {
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
            "default": None,
            "description": "Reward model (rm) only: weight of the auxiliary loss "
            "mean((r_chosen + r_rejected) ** 2) that keeps rewards centred on zero (TRL's "
            "RewardTrainer, Eisenstein et al. 2023). Null: no such term.",
        },
        "reward_margin": {
            "type": "number",
            "default": 0.0,
            "description": "Reward model (rm) only: margin subtracted from r_chosen - r_rejected "
            "inside the loss, -logsigmoid(r_chosen - r_rejected - margin) (Llama 2's margin loss).",
        },
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="rm",
            kind="objective",
            command="rlhf",
            description=(
                "Reward model: a scalar value head on the last hidden state trained on "
                "chosen/rejected pairs (Bradley-Terry loss, optional margin and reward centring)."
            ),
            options=RM_OPTIONS,
            impl="swiftkit.plugins.methods.rm.objective:RewardModelObjective",
        )
    ]
