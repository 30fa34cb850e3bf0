"""PPO (RLHF with a reward model): registration module (light: imports nothing heavy).

Selected with ``swift rlhf --rlhf_type ppo --reward_model CHECKPOINT`` on prompt-only data,
``CHECKPOINT`` being a checkpoint of ``swift rlhf --rlhf_type rm``. Option names and defaults
are TRL's / ms-swift's PPO ones: ``kl_coef``, ``kl_estimator``, ``cliprange``,
``cliprange_value``, ``vf_coef``, ``gamma``, ``lam``, ``whiten_rewards``, ``num_ppo_epochs``,
``num_mini_batches``, ``missing_eos_penalty``, ``response_length`` (an alias of the shared
``max_completion_length``); the sampling temperature is the core ``--temperature`` (0.7 when
unset, TRL's default). The reference for the KL penalty is the base model with the adapter
switched off, or ``--ref_model``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option

SWIFTKIT_PLUGIN_API = "1.5"

PPO_OPTIONS = {
    "type": "object",
    "properties": {
        "reward_model": {
            "type": "string",
            "description": "PPO: the reward model, a checkpoint folder of `swift rlhf --rlhf_type rm` "
            "(its args.json names the base model and template; it holds the adapter or weights and "
            "value_head.safetensors).",
        },
        "kl_coef": {
            "type": "number",
            "minimum": 0,
            "default": 0.05,
            "description": "PPO: weight of the per-token KL penalty to the reference in the reward (0: no reference).",
        },
        "kl_estimator": {
            "enum": ["k1", "k3"],
            "default": "k1",
            "description": "PPO: per-token KL estimate in the reward: k1 = logp - ref_logp (TRL's default), "
            "k3 = exp(ref - logp) - (ref - logp) - 1 (non-negative, lower variance).",
        },
        "cliprange": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 0.2,
            "description": "PPO: clip range of the policy probability ratio.",
        },
        "cliprange_value": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 0.2,
            "description": "PPO: clip range of the value prediction around the rollout's value.",
        },
        "vf_coef": {
            "type": "number",
            "minimum": 0,
            "default": 0.1,
            "description": "PPO: weight of the value loss in the total loss.",
        },
        "gamma": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 1.0,
            "description": "PPO: discount factor of the generalized advantage estimate.",
        },
        "lam": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0.95,
            "description": "PPO: lambda of the generalized advantage estimate.",
        },
        "whiten_rewards": {
            "type": "boolean",
            "default": False,
            "description": "PPO: whiten the per-token rewards of each rollout (scale to unit variance, mean kept).",
        },
        "num_ppo_epochs": {
            "type": "integer",
            "minimum": 1,
            "default": 4,
            "description": "PPO: passes over each rollout; each pass takes num_mini_batches optimizer steps, "
            "and the batches of those steps after the first are not sampled.",
        },
        "num_mini_batches": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "PPO: mini-batches (optimizer steps) each rollout is split into per epoch.",
        },
        "missing_eos_penalty": {
            "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
            "default": None,
            "description": "PPO: subtracted from the score of a completion cut at the token budget "
            "(no end-of-turn token). Null: none.",
        },
        "response_length": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "PPO: TRL's name of max_completion_length (most tokens sampled per completion); "
            "overrides it when set.",
        },
        "max_completion_length": option("max_completion_length"),
        "min_p": option("min_p"),
        "local_rollout_forward_batch_size": {
            "type": "integer",
            "minimum": 1,
            "default": 64,
            "description": "PPO: rows per forward pass (without gradients) of the rollout phase: the policy's and "
            "value head's, the reference's and the reward model's (bounds their memory; results unchanged).",
        },
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="ppo",
            kind="objective",
            command="rlhf",
            description=(
                "Proximal Policy Optimization with a reward model: samples a completion per prompt with the "
                "pt engine, scores it with the rm checkpoint (--reward_model) minus a per-token KL penalty to "
                "the reference, estimates advantages with GAE from a value head on the policy, and follows the "
                "clipped policy and value losses."
            ),
            options=PPO_OPTIONS,
            impl="swiftkit.plugins.methods.ppo.objective:PpoObjective",
        )
    ]
