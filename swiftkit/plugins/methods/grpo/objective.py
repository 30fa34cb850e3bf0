"""GRPO (Group Relative Policy Optimization) as an :class:`~swiftkit.core.methods.interface.Objective`.

torch is imported inside the functions, so importing this module stays cheap.

One rollout, from a batch of prompts (data mode ``prompt``), through the shared plumbing of
:mod:`swiftkit.plugins.methods._rollout`:

1. **Sample** ``num_generations`` completions per prompt from the *current policy* with the
   project's own ``pt`` engine (public ``engine.infer``; the responses carry the token ids),
   in eval mode and without gradients; temperature from the core ``--temperature`` (1.0 when
   unset), at most ``max_completion_length`` tokens, seeded per step and row.
2. **Score** them with the reward functions (``--reward_funcs``, see
   :mod:`swiftkit.train.rewards`); the total is their weighted sum (``--reward_weights``).
3. **Advantages** are group-normalised: ``(r - mean_group) / (std_group + 1e-4)`` (sample std, as TRL).
4. With ``num_iterations`` > 1, the **old log-probs** (the sampling policy's, eval mode) are
   recorded now; the **reference** log-probs too when ``beta`` > 0.

The rollout serves ``num_iterations`` optimizer steps (see ``ReuseSchedule``). The loss per
completion token is TRL's clipped surrogate (its ``grpo`` loss type)::

    ratio = exp(logp - old_logp)
    loss  = -min(ratio * A, clip(ratio, 1 - epsilon, 1 + epsilon_high) * A) + beta * KL

with the k3 estimator ``KL = exp(ref - logp) - (ref - logp) - 1``, averaged over each
completion's tokens and then over completions. With one iteration ``old_logp`` is
``logp.detach()`` (the ratio is 1, only its gradient matters, no extra forward). The reference
is ``objective.ref_model`` when the trainer set one, else the PEFT model with its adapter
switched off; with ``beta`` 0 none is run (and none is loaded).

Metrics: ``reward`` / ``reward_std`` (weighted total), ``rewards/<name>/mean`` and
``rewards/<name>/std`` per function, ``kl``, ``clip_ratio`` (share of tokens whose ratio left
the clip range on the side that stops the gradient), ``completion_length`` and
``frac_reward_zero_std``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.plugins.methods._rollout import OnlineObjective, Packed, completion_logps, pack, reference_logps

__all__ = ["GrpoObjective", "clipped_surrogate", "group_advantages", "k3_kl"]

#: ``beta`` when the run config leaves it null (ms-swift's GRPO default)
DEFAULT_BETA = 0.04
EPSILON = 1e-4


def group_advantages(rewards: Any, group_size: int, eps: float = EPSILON) -> Any:
    """``(r - group mean) / (group std + eps)`` for rewards laid out group after group
    (a 1-D tensor of ``n_groups * group_size``); the std is the sample (n-1) one, as TRL."""
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True) if group_size > 1 else grouped.new_zeros(grouped.shape[0], 1)
    return ((grouped - mean) / (std + eps)).view(-1)


def k3_kl(logps: Any, ref_logps: Any) -> Any:
    """Per-token k3 estimate of KL(pi || ref): ``exp(ref - logp) - (ref - logp) - 1`` (>= 0)."""
    import torch

    delta = ref_logps - logps
    return torch.exp(delta) - delta - 1


def clipped_surrogate(logps: Any, old_logps: Any, advantages: Any, epsilon_low: float, epsilon_high: float) -> tuple[Any, Any]:
    """PPO's clipped surrogate per token, ``-min(ratio * A, clip(ratio) * A)``, and where the
    clip cut the gradient (``ratio < 1 - eps_low`` with ``A < 0`` or ``ratio > 1 + eps_high``
    with ``A > 0``). ``advantages`` broadcast against ``logps`` (one per row: ``(rows, 1)``)."""
    import torch

    ratio = torch.exp(logps - old_logps)
    clipped = torch.clamp(ratio, 1 - epsilon_low, 1 + epsilon_high)
    per_token = -torch.min(ratio * advantages, clipped * advantages)
    cut = ((ratio < 1 - epsilon_low) & (advantages < 0)) | ((ratio > 1 + epsilon_high) & (advantages > 0))
    return per_token, cut


@dataclass
class GrpoRollout:
    """One sampled, scored batch, ready for ``num_iterations`` updates."""

    packed: Packed
    advantages: Any
    old_logps: Any = None
    ref_logps: Any = None
    metrics: dict[str, Any] = field(default_factory=dict)


class GrpoObjective(OnlineObjective):
    """``swift rlhf --rlhf_type grpo``."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.num_generations = int(self._opt("num_generations", 4))
        self.num_iterations = int(self._opt("num_iterations", 1))
        self.epsilon_low = float(self._opt("epsilon", 0.2))
        high = self.options.get("epsilon_high")
        self.epsilon_high = self.epsilon_low if high is None else float(high)
        from swiftkit.plugins.methods._preference_options import check_beta

        beta = self.options.get("beta")
        self.beta = check_beta("grpo", float(DEFAULT_BETA if beta is None else beta))
        self.reward_names = list(self.options.get("reward_funcs") or [])
        self.reward_weights = self.options.get("reward_weights")
        if not self.reward_names:
            raise SwiftkitError("--rlhf_type grpo needs --reward_funcs (see `swift list rewards`)")
        if self.reward_weights is not None and len(self.reward_weights) != len(self.reward_names):
            raise SwiftkitError(
                f"--reward_weights has {len(self.reward_weights)} values for {len(self.reward_names)} reward functions"
            )
        self.reward_functions: list[Any] | None = None

    @property
    def needs_reference(self) -> bool:
        """A frozen reference is needed only for the KL term."""
        return self.beta > 0

    @property
    def reuse(self) -> int:
        return self.num_iterations

    def setup(self, *, model: Any = None, tokenizer: Any = None, template: Any = None, registry: Any = None,
              config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Receive what sampling and scoring need (called by ``run_training``)."""
        super().setup(model=model, tokenizer=tokenizer, template=template, registry=registry, config=config, **kwargs)
        from swiftkit.train.rewards import load_reward_functions

        self.reward_functions = load_reward_functions(self.reward_names, registry, {**dict(config or {}), **self.options})
        self.dataset_label = " ".join(map(str, (config or {}).get("dataset") or [])) or "(none)"

    def callbacks(self) -> list[Any]:
        """Also check, before the first step, that the rows hold the columns the rewards need."""
        from swiftkit.train.rewards import reward_columns_callback

        return [*super().callbacks(), reward_columns_callback(self.reward_functions or [], self.dataset_label)]

    # ------------------------------------------------------------------ the rollout

    def make_rollout(self, model: Any, batch: dict[str, Any]) -> GrpoRollout:
        import torch

        from swiftkit.train.rewards import score, summarize, total

        if self.reward_functions is None:
            raise SwiftkitError("the grpo objective was not set up: run_training must call objective.setup(...)")
        prompts = list(batch["messages"])
        n_gen = self.num_generations
        rollout = self.sample(model, prompts, n_gen)

        skip = {"messages", "prompt_input_ids", "prompt_attention_mask", "length"}
        columns = {
            k: [v for v in values for _ in range(n_gen)]
            for k, values in batch.items()
            if k not in skip and not k.startswith("_") and isinstance(values, list) and len(values) == len(prompts)
        }
        repeated_prompts = [p for p in prompts for _ in range(n_gen)]
        scores = score(self.reward_functions, repeated_prompts, rollout.texts, columns)
        device = next(model.parameters()).device
        rewards = torch.tensor(total(scores, self.reward_weights), dtype=torch.float32, device=device)
        packed = pack(rollout.prompt_ids, rollout.completion_ids, self.pad_token_id, device)

        result = GrpoRollout(packed=packed, advantages=group_advantages(rewards, n_gen).unsqueeze(1))
        if self.num_iterations > 1:  # the sampling policy's log-probs, for the ratio of later updates
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    result.old_logps = completion_logps(model, packed, self.temperature).logps
            finally:
                model.train(was_training)
        if self.beta > 0:
            result.ref_logps = reference_logps(model, self.ref_model, packed, self.temperature, "grpo with beta > 0")

        metrics = summarize(scores, self.reward_weights)
        metrics["completion_length"] = float(packed.completion_mask.sum(1).mean())
        grouped = rewards.view(-1, n_gen)
        metrics["frac_reward_zero_std"] = float((grouped.std(dim=1) == 0).float().mean())
        result.metrics = metrics
        return result

    # ------------------------------------------------------------------ the loss

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        rollout, _ = self.rollout_for_step(model, batch, self.make_rollout)
        packed = rollout.packed
        logps = completion_logps(model, packed, self.temperature).logps
        old = rollout.old_logps if rollout.old_logps is not None else logps.detach()
        per_token, cut = clipped_surrogate(logps, old, rollout.advantages, self.epsilon_low, self.epsilon_high)
        mask = packed.completion_mask
        lengths = mask.sum(1).clamp(min=1)
        metrics: dict[str, Any] = dict(rollout.metrics)
        if self.beta > 0:
            kl = k3_kl(logps, rollout.ref_logps)
            per_token = per_token + self.beta * kl
            metrics["kl"] = ((kl * mask).sum(1) / lengths).mean().detach()
        loss = ((per_token * mask).sum(1) / lengths).mean()
        metrics["clip_ratio"] = ((cut.float() * mask).sum() / mask.sum().clamp(min=1)).detach()
        return loss, metrics
