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
from swiftkit.plugins.methods.grpo.variants import LOSS_TYPES

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


def _to(inputs: dict[str, Any], device: Any) -> dict[str, Any]:
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in inputs.items()}


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
        self._read_variant_options()

    def _read_variant_options(self) -> None:
        """ms-swift's GRPO variants (see :mod:`swiftkit.plugins.methods.grpo.variants`)."""
        from swiftkit.plugins.methods.grpo.variants import ESTIMATOR_DEFAULTS

        self.loss_type = self.options.get("loss_type") or "grpo"
        if self.loss_type not in LOSS_TYPES:
            raise SwiftkitError(f"--loss_type {self.loss_type!r} is not a grpo loss type: {', '.join(LOSS_TYPES)}")
        self.estimator = str(self._opt("advantage_estimator", "grpo"))
        scale_default, kl_default = ESTIMATOR_DEFAULTS[self.estimator]
        scale = self.options.get("scale_rewards")
        if isinstance(scale, bool):  # ms-swift < 3.10 spelling
            scale = "group" if scale else "none"
        self.scale_rewards = scale or scale_default
        kl_in_reward = self.options.get("kl_in_reward")
        self.kl_in_reward = kl_default if kl_in_reward is None else bool(kl_in_reward)
        self.importance_level = str(self._opt("importance_sampling_level", "token"))
        delta = self.options.get("delta")
        self.delta = None if delta is None else float(delta)
        self.overlong_filter = bool(self._opt("overlong_filter", False))
        self.top_entropy_quantile = float(self._opt("top_entropy_quantile", 1.0))
        self.log_entropy = bool(self._opt("log_entropy", False))
        self.log_completions = bool(self._opt("log_completions", False))
        self.dynamic_sample = bool(self._opt("dynamic_sample", False))
        self.max_resample_times = int(self._opt("max_resample_times", 3))
        n_eval = self.options.get("num_generations_eval")
        self.num_generations_eval = self.num_generations if n_eval is None else int(n_eval)
        self.sync_ref_model = bool(self._opt("sync_ref_model", False))
        self.ref_model_mixup_alpha = float(self._opt("ref_model_mixup_alpha", 0.6))
        self.ref_model_sync_steps = int(self._opt("ref_model_sync_steps", 512))
        if self.sync_ref_model and self.beta == 0:
            raise SwiftkitError("--sync_ref_model needs a reference, which --beta 0 switches off")
        self.completions_log: Any = None  # CompletionsLog, set by its callback when training begins
        self.resample_loader: Any = None  # the training dataloader, for dynamic_sample
        self._resample_iter: Any = None

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
        from swiftkit.plugins.methods.grpo.hooks import grpo_callbacks
        from swiftkit.train.rewards import reward_columns_callback

        return [*super().callbacks(), reward_columns_callback(self.reward_functions or [], self.dataset_label),
                *grpo_callbacks(self)]

    # ------------------------------------------------------------------ the rollout

    def _score_batch(self, model: Any, batch: dict[str, Any], n_gen: int) -> dict[str, Any]:
        """Sample ``n_gen`` completions per prompt of ``batch`` and score them: a dict of lists,
        one entry per completion, group after group (what :meth:`make_rollout` splices)."""
        from swiftkit.train.rewards import score

        prompts = list(batch["messages"])
        media = batch.get("media")  # each prompt's images / videos / audios (prompt rows' media column)
        rollout = self.sample(model, prompts, n_gen, media=media)
        skip = {"messages", "prompt_input_ids", "prompt_attention_mask", "length"}
        columns = {
            k: [v for v in values for _ in range(n_gen)]
            for k, values in batch.items()
            if k not in skip and not k.startswith("_") and isinstance(values, list) and len(values) == len(prompts)
        }
        columns["completion_ids"] = [list(c) for c in rollout.completion_ids]  # TRL passes them too (soft_overlong)
        repeated_prompts = [p for p in prompts for _ in range(n_gen)]
        scores = score(self.reward_functions, repeated_prompts, rollout.texts, columns)
        return {"prompts": repeated_prompts, "prompt_ids": rollout.prompt_ids, "completion_ids": rollout.completion_ids,
                "texts": rollout.texts, "ended": rollout.ended, "scores": scores,
                "media": [m for m in (media or [""] * len(prompts)) for _ in range(n_gen)]}

    def _next_resample_batch(self) -> dict[str, Any] | None:
        """A fresh batch of prompts from the training data (dynamic_sample), or None without one."""
        if self.resample_loader is None:
            return None
        for _ in range(2):  # a second pass starts a new epoch of the loader
            if self._resample_iter is None:
                self._resample_iter = iter(self.resample_loader)
            try:
                return next(self._resample_iter)
            except StopIteration:
                self._resample_iter = None
        return None

    def _dynamic_sample(self, model: Any, data: dict[str, Any], n_gen: int) -> tuple[dict[str, Any], int]:
        """DAPO's dynamic sampling: replace the groups whose rewards are all equal by groups of
        newly drawn prompts that have a spread, drawing at most ``max_resample_times`` batches."""
        from swiftkit.train.rewards import total

        def flat_groups(d: dict[str, Any]) -> list[bool]:
            r = total(d["scores"], self.reward_weights)
            return [len(set(r[i:i + n_gen])) == 1 for i in range(0, len(r), n_gen)]

        draws = 0
        while draws < self.max_resample_times:
            flat = [i for i, f in enumerate(flat_groups(data)) if f]
            if not flat:
                break
            extra_batch = self._next_resample_batch()
            if extra_batch is None:
                break
            draws += 1
            extra = self._score_batch(model, extra_batch, n_gen)
            good = [i for i, f in enumerate(flat_groups(extra)) if not f]
            for target, source in zip(flat, good, strict=False):
                rows_t, rows_s = range(target * n_gen, (target + 1) * n_gen), range(source * n_gen, (source + 1) * n_gen)
                for key in ("prompts", "prompt_ids", "completion_ids", "texts", "ended", "media"):
                    for t, s_ in zip(rows_t, rows_s, strict=True):
                        data[key][t] = extra[key][s_]
                for name in data["scores"]:
                    for t, s_ in zip(rows_t, rows_s, strict=True):
                        data["scores"][name][t] = extra["scores"][name][s_]
        return data, draws

    def make_rollout(self, model: Any, batch: dict[str, Any]) -> GrpoRollout:
        import torch

        from swiftkit.plugins.methods.grpo.variants import estimate_advantages, sequence_kl
        from swiftkit.train.rewards import summarize, total

        if self.reward_functions is None:
            raise SwiftkitError("the grpo objective was not set up: run_training must call objective.setup(...)")
        n_gen = self.num_generations if model.training else self.num_generations_eval
        data = self._score_batch(model, batch, n_gen)
        draws = 0
        if self.dynamic_sample and model.training:
            data, draws = self._dynamic_sample(model, data, n_gen)
        scores = data["scores"]
        device = next(model.parameters()).device
        rewards = torch.tensor(total(scores, self.reward_weights), dtype=torch.float32, device=device)
        packed = pack(data["prompt_ids"], data["completion_ids"], self.pad_token_id, device)
        packed.media_inputs = _to(self.media_inputs(data["media"], n_gen, packed.input_ids), device)
        if self.overlong_filter:  # completions cut at the budget take no part in the loss
            ended = torch.tensor(data["ended"], dtype=packed.completion_mask.dtype, device=device)
            packed.completion_mask = packed.completion_mask * ended.unsqueeze(1)

        result = GrpoRollout(packed=packed, advantages=None)
        if self.num_iterations > 1 or self.kl_in_reward:  # the sampling policy's log-probs
            was_training = model.training
            model.eval()
            try:
                with torch.no_grad():
                    result.old_logps = completion_logps(model, packed, self.temperature).logps
            finally:
                model.train(was_training)
        if self.beta > 0:
            result.ref_logps = reference_logps(model, self.ref_model, packed, self.temperature, "grpo with beta > 0")
        shaped = rewards
        metrics: dict[str, Any] = {}
        if self.kl_in_reward and self.beta > 0:
            seq_kl = sequence_kl(k3_kl(result.old_logps, result.ref_logps), packed.completion_mask)
            shaped = rewards - self.beta * seq_kl
            metrics["kl"] = float(seq_kl.mean())
        advantages = estimate_advantages(shaped, n_gen, estimator=self.estimator, scale=self.scale_rewards)
        result.advantages = advantages.unsqueeze(1)

        metrics.update(summarize(scores, self.reward_weights))
        metrics["completion_length"] = float(torch.tensor([len(c) for c in data["completion_ids"]], dtype=torch.float32).mean())
        grouped = rewards.view(-1, n_gen)
        metrics["frac_reward_zero_std"] = float((grouped.std(dim=1) == 0).float().mean())
        if self.dynamic_sample:
            metrics["resample_draws"] = float(draws)
        if self.overlong_filter:
            metrics["frac_overlong"] = 1.0 - float(sum(data["ended"])) / max(1, len(data["ended"]))
        result.metrics = metrics
        if self.completions_log is not None and model.training:
            self.completions_log.write(data, [float(a) for a in advantages.tolist()])
        return result

    # ------------------------------------------------------------------ the loss

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        from swiftkit.plugins.methods.grpo.variants import entropy_mask, policy_loss, reduce_loss

        rollout, _ = self.rollout_for_step(model, batch, self.make_rollout)
        packed = rollout.packed
        want_entropy = self.log_entropy or self.top_entropy_quantile < 1.0
        out = completion_logps(model, packed, self.temperature, entropy=want_entropy)
        logps = out.logps
        old = rollout.old_logps if (rollout.old_logps is not None and self.num_iterations > 1) else logps.detach()
        mask = packed.completion_mask
        per_token, cut = policy_loss(logps, old, rollout.advantages, mask, epsilon_low=self.epsilon_low,
                                     epsilon_high=self.epsilon_high, level=self.importance_level, delta=self.delta)
        metrics: dict[str, Any] = dict(rollout.metrics)
        if self.beta > 0 and not self.kl_in_reward:
            kl = k3_kl(logps, rollout.ref_logps)
            per_token = per_token + self.beta * kl
            metrics["kl"] = ((kl * mask).sum(1) / mask.sum(1).clamp(min=1)).mean().detach()
        if want_entropy:
            lengths = mask.sum(1).clamp(min=1)
            if self.log_entropy:
                per_seq = (out.entropy * mask).sum(1) / lengths
                metrics.update({"entropy/mean": per_seq.mean().detach(), "entropy/min": per_seq.min().detach(),
                                "entropy/max": per_seq.max().detach()})
            if self.top_entropy_quantile < 1.0:
                mask = entropy_mask(out.entropy, mask, self.top_entropy_quantile)
        loss = reduce_loss(per_token, mask, self.loss_type, self.max_completion_length)
        metrics["clip_ratio"] = ((cut.float() * mask).sum() / mask.sum().clamp(min=1)).detach()
        return loss, metrics
