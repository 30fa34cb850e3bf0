"""Group Relative Policy Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type grpo``. Options are ms-swift's flags: ``num_generations``,
``max_completion_length``, ``reward_funcs``, ``reward_weights`` and ``beta`` (the KL weight; the
schema shared with the preference methods, :mod:`swiftkit.plugins.methods._preference_options`,
null meaning GRPO's default 0.04). The sampling temperature is the core ``--temperature``
(default 1.0 for GRPO when unset). Reward functions are plugins (``swift list rewards``) or
``module:function`` references; their own options (``--contains_text`` ...) come from the run config.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.plugins.methods._preference_options import preference_property

SWIFTKIT_PLUGIN_API = "1.0"

GRPO_OPTIONS = {
    "type": "object",
    "properties": {
        "num_generations": {
            "type": "integer",
            "minimum": 2,
            "default": 4,
            "description": "GRPO: completions sampled per prompt (the group whose rewards are normalised).",
        },
        "max_completion_length": {
            "type": "integer",
            "minimum": 1,
            "default": 32,
            "description": "GRPO: most tokens sampled per completion.",
        },
        "reward_funcs": {
            "type": "array",
            "items": {"type": "string"},
            "description": "GRPO: reward functions, registered ids (`swift list rewards`) or module:function.",
        },
        "reward_weights": {
            "anyOf": [{"type": "array", "items": {"type": "number"}}, {"type": "null"}],
            "default": None,
            "description": "GRPO: weight of each reward function in the total reward (null: all 1.0).",
        },
        "beta": preference_property("beta"),
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="grpo",
            kind="objective",
            command="rlhf",
            description=(
                "Group Relative Policy Optimization: samples num_generations completions per prompt from "
                "the policy with the pt engine, scores them with reward functions, normalises rewards within "
                "each group, and follows the policy gradient with a k3 KL penalty to the reference."
            ),
            options=GRPO_OPTIONS,
            impl="swiftkit.plugins.methods.grpo.objective:GrpoObjective",
        )
    ]
