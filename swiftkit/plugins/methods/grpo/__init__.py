"""Group Relative Policy Optimization objective: registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type grpo``. Options are ms-swift's flags: ``num_generations``,
``max_completion_length``, ``reward_funcs``, ``reward_weights``, ``num_iterations`` /
``epsilon`` / ``epsilon_high`` (updates per rollout and the clip range of the ratio) and
``beta`` (the KL weight, >= 0, 0: no reference). ``beta`` and ``max_completion_length`` are
keys other objectives have too, so their schemas come from
:mod:`swiftkit.core.options` (``beta`` null: GRPO's default 0.04). The
sampling temperature is the core ``--temperature`` (default 1.0 for GRPO when unset). Reward
functions are plugins (``swift list rewards``) or ``module:function`` references; their own
options (``--contains_text`` ...) come from the run config.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import VLLM, VLLM_MODE, VLLM_ROLLOUT, option, option_properties

SWIFTKIT_PLUGIN_API = "1.3"

GRPO_OPTIONS = {
    "type": "object",
    "properties": {
        "num_generations": {
            "type": "integer",
            "minimum": 2,
            "default": 4,
            "description": "GRPO: completions sampled per prompt (the group whose rewards are normalised).",
        },
        "max_completion_length": option("max_completion_length"),
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
        "num_iterations": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "GRPO: optimizer steps per sampled batch (TRL's mu); above 1 the probability ratio "
            "to the sampling policy is clipped to [1 - epsilon, 1 + epsilon_high].",
        },
        "epsilon": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 0.2,
            "description": "GRPO: clip range of the probability ratio (lower side; the upper side too unless "
            "epsilon_high is set).",
        },
        "epsilon_high": {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}],
            "default": None,
            "description": "GRPO: upper clip range of the ratio (DAPO's clip-higher). Null: epsilon.",
        },
        "beta": option("beta"),
        # --use_vllm: sampling through vLLM (colocated or a `swift rollout` server)
        **option_properties(VLLM_ROLLOUT, VLLM, VLLM_MODE, defaults={"vllm_mode": "colocate"}),
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
                "each group, and follows the clipped policy gradient with a k3 KL penalty to the reference."
            ),
            options=GRPO_OPTIONS,
            impl="swiftkit.plugins.methods.grpo.objective:GrpoObjective",
        )
    ]
