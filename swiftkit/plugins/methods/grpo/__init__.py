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

SWIFTKIT_PLUGIN_API = "1.5"

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
        "min_p": option("min_p"),
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
        # ---- ms-swift's GRPO variants (swiftkit.plugins.methods.grpo.variants)
        "loss_type": option("loss_type"),
        "advantage_estimator": {
            "enum": ["grpo", "rloo", "reinforce_plus_plus"],
            "default": "grpo",
            "description": "GRPO: advantage baseline. grpo: the group mean; rloo: the mean of the group's other "
            "completions (leave-one-out); reinforce_plus_plus: the group mean with batch scaling. It sets the "
            "defaults of scale_rewards (group / none / batch) and kl_in_reward (false / true / true).",
        },
        "scale_rewards": {
            "anyOf": [{"enum": ["group", "batch", "none"]}, {"type": "boolean"}, {"type": "null"}],
            "default": None,
            "description": "GRPO: divide the centred rewards by the group's std (group), the batch's (batch) or "
            "nothing (none); true/false are ms-swift < 3.10's group/none. Null: advantage_estimator's default.",
        },
        "kl_in_reward": {
            "anyOf": [{"type": "boolean"}, {"type": "null"}],
            "default": None,
            "description": "GRPO: subtract beta * the completion's mean KL to the reference from its reward "
            "(true) instead of adding beta * KL to the loss (false). Null: advantage_estimator's default.",
        },
        "importance_sampling_level": {
            "enum": ["token", "sequence", "sequence_token"],
            "default": "token",
            "description": "GRPO: the importance ratio per token (token), one per completion from the mean of its "
            "token log-ratios (sequence, GSPO), or GSPO-token's (sequence value, per-token gradient).",
        },
        "delta": {
            "anyOf": [{"type": "number", "exclusiveMinimum": 1}, {"type": "null"}],
            "default": None,
            "description": "GRPO: two-sided clipping (INTELLECT-2): the unclipped ratio is capped at delta too "
            "(recommended > 1 + epsilon). Null: off.",
        },
        "overlong_filter": {
            "type": "boolean",
            "default": False,
            "description": "GRPO: completions cut at max_completion_length (no end of turn) take no part in the loss.",
        },
        "top_entropy_quantile": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "default": 1.0,
            "description": "GRPO: only the completion tokens whose entropy is within this top share of the batch "
            "count in the loss (0.2: the 20% highest-entropy tokens); 1.0: all tokens.",
        },
        "log_entropy": {
            "type": "boolean",
            "default": False,
            "description": "GRPO: log the completions' token entropy (entropy/mean, entropy/min, entropy/max over "
            "completions' mean entropies).",
        },
        "log_completions": {
            "type": "boolean",
            "default": False,
            "description": "GRPO / GKD: write each sampled completion (step, prompt, completion, rewards, "
            "advantage) as a row of completions.jsonl in the run's output folder.",
        },
        "dynamic_sample": {
            "type": "boolean",
            "default": False,
            "description": "GRPO (DAPO): groups whose rewards are all equal (zero std, no signal) are replaced by "
            "groups of prompts drawn anew from the training data, at most max_resample_times times per step.",
        },
        "max_resample_times": {
            "type": "integer",
            "minimum": 0,
            "default": 3,
            "description": "GRPO: with dynamic_sample, how many extra batches of prompts one step may draw.",
        },
        "num_generations_eval": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "GRPO: completions per prompt in evaluation. Null: num_generations.",
        },
        "sync_ref_model": {
            "type": "boolean",
            "default": False,
            "description": "GRPO: every ref_model_sync_steps optimizer steps, move the reference towards the "
            "policy: ref = alpha * policy + (1 - alpha) * ref (TR-DPO). Needs a separate reference "
            "(full fine-tuning, or --ref_model).",
        },
        "ref_model_mixup_alpha": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0.6,
            "description": "GRPO: alpha of sync_ref_model's update.",
        },
        "ref_model_sync_steps": {
            "type": "integer",
            "minimum": 1,
            "default": 512,
            "description": "GRPO: optimizer steps between two sync_ref_model updates.",
        },
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
