"""PPO for RLHF as an :class:`~swiftkit.core.methods.interface.Objective`: the policy is the
model being trained (any tuner), the critic a value head on it, the reward a trained reward model.

torch is imported inside the functions, so importing this module stays cheap.

**Models.** The *reward model* is a ``swift rlhf --rlhf_type rm`` checkpoint
(``--reward_model``, loaded with :func:`~swiftkit.plugins.methods.rm.objective.load_reward_model`,
frozen). The *value model* shares the policy's backbone: a scalar head
(``Linear(hidden, 1)``, float32, the rm plugin's head) reads the policy's last hidden state,
so the critic costs one head and no second forward or copy in memory. TRL and ms-swift use a
separate value model (initialised from the reward model) instead; sharing means the value loss
also trains the adapter (weighted by ``vf_coef``), as in TRL's older ``PPOTrainer`` with a
value-head model. The head is attached as the submodule ``v_head`` (so the Trainer's optimizer
trains it) and written as ``value_head.safetensors`` into every checkpoint next to the adapter;
``--resume_from_checkpoint`` restores it. The *reference* for the KL penalty is the base model
with the adapter switched off (PEFT tuners), else a frozen copy (``--ref_model``). Dropout in
the policy is switched off, as TRL does, so the rollout's log-probs and values are those the
update starts from.

**Rollout** (no gradients, one per batch of prompts, data mode ``prompt``):

1. sample one completion per prompt with the ``pt`` engine over the policy (public
   ``engine.infer``; the responses carry the token ids), at ``--temperature`` (0.7 unset, TRL's
   default), at most ``max_completion_length`` (or ``response_length``) tokens;
2. the policy's log-probs and values of the completion tokens, the reference's log-probs;
3. the reward model's *score* of prompt + completion (the conversation encoded by the reward
   model's own template, read at its last token), minus ``missing_eos_penalty`` when the
   completion hit the token budget;
4. per-token rewards: ``-kl_coef * KL_t`` (``k1``: ``logp - ref_logp``, TRL's default), plus
   the score on the completion's last token; whitened when ``whiten_rewards``;
5. GAE: ``delta_t = r_t + gamma * V_{t+1} - V_t`` (``V`` after the last token is 0),
   ``A_t = delta_t + gamma * lam * A_{t+1}``; returns ``A + V``; advantages whitened over the
   completion tokens.

**Updates.** A rollout serves ``num_ppo_epochs * num_mini_batches`` optimizer steps (see
:class:`~swiftkit.plugins.methods._rollout.ReuseSchedule`): each epoch visits its rows in a
new random order, split into ``num_mini_batches`` parts. Per mini-batch, over its completion
tokens::

    ratio       = exp(logp - old_logp)
    policy_loss = mean(max(-A * ratio, -A * clip(ratio, 1 - cliprange, 1 + cliprange)))
    value_loss  = 0.5 * mean(max((V - R)^2, (clip(V, V_old - cliprange_value, V_old + cliprange_value) - R)^2))
    loss        = policy_loss + vf_coef * value_loss

Metrics: ``score``, ``kl`` (per completion, summed over tokens), ``non_score_reward``,
``rlhf_reward`` (their sum), ``policy_loss``, ``value_loss``, ``clipfrac``,
``value_clipfrac``, ``approxkl``, ``ratio``, ``entropy``, ``completion_length``,
``eos_rate``. Names, defaults and formulas follow TRL's ``PPOTrainer``, except that the score
is placed on the completion's last token (TRL puts it one position after the last non-padding
token) and values are masked to the completion tokens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.plugins.methods._rollout import OnlineObjective, Packed, completion_logps, pack, reference_logps

__all__ = [
    "PpoObjective",
    "gae",
    "masked_mean",
    "masked_whiten",
    "policy_loss",
    "token_rewards",
    "value_loss",
]

#: the head's attribute on the policy and its file in each checkpoint (the rm plugin's names)
HEAD_ATTR = "v_head"
HEAD_FILE = "value_head.safetensors"


# ---------------------------------------------------------------------------- the math


def masked_mean(x: Any, mask: Any, dim: int | None = None) -> Any:
    """Mean of ``x`` over the positions where ``mask`` is 1 (all of them, or along ``dim``)."""
    if dim is None:
        return (x * mask).sum() / mask.sum().clamp(min=1)
    return (x * mask).sum(dim) / mask.sum(dim).clamp(min=1)


def masked_whiten(x: Any, mask: Any, shift_mean: bool = True, eps: float = 1e-8) -> Any:
    """``(x - mean) / std`` over the masked positions (unbiased variance, as TRL); with
    ``shift_mean=False`` the mean is added back (only the scale changes). Zero outside the mask."""
    import torch

    n = mask.sum()
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    if n > 1:
        var = var * n / (n - 1)
    out = (x - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        out = out + mean
    return out * mask


def token_rewards(scores: Any, kl: Any, mask: Any, kl_coef: float) -> Any:
    """Per-token rewards ``-kl_coef * kl`` with each row's ``score`` added on its last masked
    (completion) token; zero outside the mask."""
    import torch

    rewards = -kl_coef * kl * mask
    last = (mask.sum(1).long() - 1).clamp(min=0)
    rows = torch.arange(rewards.shape[0], device=rewards.device)
    rewards[rows, last] += scores.to(rewards.dtype)
    return rewards


def gae(rewards: Any, values: Any, mask: Any, gamma: float, lam: float) -> tuple[Any, Any]:
    """Generalized advantage estimates and returns for right-padded rows: ``values`` and
    ``rewards`` are zeroed outside ``mask``, so the value after a row's last token is 0."""
    import torch

    rewards, values = rewards * mask, values * mask
    width = rewards.shape[1]
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[:, 0])
    for t in reversed(range(width)):
        next_value = values[:, t + 1] if t + 1 < width else torch.zeros_like(running)
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * running
        advantages[:, t] = running
    advantages = advantages * mask
    return advantages, (advantages + values) * mask


def policy_loss(logps: Any, old_logps: Any, advantages: Any, mask: Any, cliprange: float) -> dict[str, Any]:
    """PPO's clipped policy loss over the masked tokens, with ``clipfrac`` (share of tokens
    where the clipped term is the larger), ``approxkl`` (``0.5 * mean(log-ratio^2)``) and the
    mean ``ratio``."""
    import torch

    log_ratio = logps - old_logps
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
    return {
        "loss": masked_mean(torch.max(unclipped, clipped), mask),
        "clipfrac": masked_mean((clipped > unclipped).float(), mask).detach(),
        "approxkl": (0.5 * masked_mean(log_ratio.detach() ** 2, mask)),
        "ratio": masked_mean(ratio.detach(), mask),
    }


def value_loss(values: Any, old_values: Any, returns: Any, mask: Any, cliprange_value: float) -> dict[str, Any]:
    """PPO's clipped value loss ``0.5 * mean(max((V - R)^2, (V_clipped - R)^2))`` over the
    masked tokens, with ``clipfrac`` (share where the clipped error is the larger)."""
    import torch

    clipped_values = torch.clamp(values, old_values - cliprange_value, old_values + cliprange_value)
    plain = (values - returns) ** 2
    clipped = (clipped_values - returns) ** 2
    return {
        "loss": 0.5 * masked_mean(torch.max(plain, clipped), mask),
        "clipfrac": masked_mean((clipped > plain).float(), mask).detach(),
    }


# ---------------------------------------------------------------------------- head and reward model


def _save_with_head(model: Any, head: Any) -> None:
    """Make ``model.save_pretrained`` (this instance) write the value head to its own file: a
    PEFT model saves only its adapter weights, and full weights are kept free of the head (the
    checkpoint loads as the plain causal LM)."""
    from swiftkit.plugins.methods.rm.objective import save_value_head

    original = model.save_pretrained

    def save_pretrained(save_directory: str, *args: Any, **kwargs: Any) -> Any:
        state = kwargs.get("state_dict")
        if state is None and not hasattr(model, "peft_config"):
            state = model.state_dict()
        if state is not None:
            kwargs["state_dict"] = {k: v for k, v in state.items() if not k.startswith(f"{HEAD_ATTR}.")}
        result = original(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            save_value_head(head, save_directory)
        return result

    model.save_pretrained = save_pretrained


def _disable_dropout(model: Any) -> None:
    import torch

    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0


@dataclass
class PpoRollout:
    """One scored rollout, ready for ``num_ppo_epochs * num_mini_batches`` updates."""

    packed: Packed
    old_logps: Any
    old_values: Any
    advantages: Any
    returns: Any
    orders: list[Any]  # a row order per epoch
    metrics: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- the objective


class PpoObjective(OnlineObjective):
    """``swift rlhf --rlhf_type ppo --reward_model CHECKPOINT`` (see the module docstring)."""

    default_temperature = 0.7  # TRL's OnPolicyConfig
    #: the value head, set by :meth:`setup`
    head: Any = None

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        if self.options.get("response_length") is not None:
            self.max_completion_length = int(self.options["response_length"])
        self.kl_coef = float(self._opt("kl_coef", 0.05))
        self.kl_estimator = str(self._opt("kl_estimator", "k1"))
        if self.kl_estimator not in ("k1", "k3"):
            raise ConfigError(f"--kl_estimator {self.kl_estimator!r}: expected k1 or k3")
        self.cliprange = float(self._opt("cliprange", 0.2))
        self.cliprange_value = float(self._opt("cliprange_value", 0.2))
        self.vf_coef = float(self._opt("vf_coef", 0.1))
        self.gamma = float(self._opt("gamma", 1.0))
        self.lam = float(self._opt("lam", 0.95))
        self.whiten_rewards = bool(self._opt("whiten_rewards", False))
        self.num_ppo_epochs = int(self._opt("num_ppo_epochs", 4))
        self.num_mini_batches = int(self._opt("num_mini_batches", 1))
        penalty = self.options.get("missing_eos_penalty")
        self.missing_eos_penalty = None if penalty is None else float(penalty)
        self.forward_batch_size = int(self._opt("local_rollout_forward_batch_size", 64))
        self.reward_model_path = self.options.get("reward_model")
        if not self.reward_model_path:
            raise ConfigError("--rlhf_type ppo needs --reward_model: a checkpoint of `swift rlhf --rlhf_type rm`")
        self.reward_model: Any = None

    @property
    def needs_reference(self) -> bool:
        """A frozen reference is needed only for the KL penalty."""
        return self.kl_coef > 0

    @property
    def reuse(self) -> int:
        return self.num_ppo_epochs * self.num_mini_batches

    def setup(self, *, model: Any = None, tokenizer: Any = None, template: Any = None, registry: Any = None,
              config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Load the reward model, attach the value head (restored on resume) and make saves
        include it; switch dropout off (called by ``run_training`` before the Trainer exists)."""
        super().setup(model=model, tokenizer=tokenizer, template=template, registry=registry, config=config, **kwargs)
        from swiftkit.plugins.methods.rm.objective import (
            attach_value_head,
            load_reward_model,
            load_value_head,
        )

        config = dict(config or {})
        if not os.path.isdir(self.reward_model_path):
            raise ConfigError(f"--reward_model {self.reward_model_path}: no such folder (a `swift rlhf --rlhf_type rm` checkpoint)")
        self.reward_model = load_reward_model(self.reward_model_path, torch_dtype=config.get("torch_dtype") or "float32",
                                              registry=registry)
        self.reward_model.model.requires_grad_(False)
        if model is None:
            return
        resume = config.get("resume_from_checkpoint")
        saved = os.path.join(resume, HEAD_FILE) if resume else None
        head = load_value_head(saved) if saved and os.path.isfile(saved) else None
        self.head = attach_value_head(model, head)
        _save_with_head(model, self.head)
        _disable_dropout(model)

    def _head(self, model: Any) -> Any:
        head = getattr(model, HEAD_ATTR, None)  # None under a wrapper (DDP): then the one setup attached
        head = head if head is not None else self.head
        if head is None:
            raise SwiftkitError("ppo: the policy has no value head; run_training must call objective.setup(model=...)")
        return head

    # ------------------------------------------------------------------ the rollout

    def score(self, prompts: list[Any], texts: list[str], device: Any) -> Any:
        """The reward model's score of each prompt + completion (float32 tensor on ``device``)."""
        import torch

        from swiftkit.plugins.methods.rm.objective import last_token_rewards

        rm = self.reward_model
        rm_device = next(rm.model.parameters()).device
        if rm_device != device:  # the Trainer moves only the policy
            rm.model.to(device)
            rm.head.to(device)
        ids = [
            list(rm.template.encode(rm.tokenizer, [*prompt, {"role": "assistant", "content": text}],
                                    loss_scale="last_round")["input_ids"])
            for prompt, text in zip(prompts, texts, strict=True)
        ]
        pad = rm.tokenizer.pad_token_id if rm.tokenizer.pad_token_id is not None else (rm.tokenizer.eos_token_id or 0)
        width = max(len(x) for x in ids)
        input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids], device=device)
        mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids], device=device)
        with torch.no_grad():
            return last_token_rewards(rm.model, rm.head, input_ids, mask).float()

    def make_rollout(self, model: Any, batch: dict[str, Any]) -> PpoRollout:
        import torch

        if self.reward_model is None:
            raise SwiftkitError("the ppo objective was not set up: run_training must call objective.setup(...)")
        prompts = list(batch["messages"])
        rollout = self.sample(model, prompts, 1)
        device = next(model.parameters()).device
        packed = pack(rollout.prompt_ids, rollout.completion_ids, self.pad_token_id, device)
        mask = packed.completion_mask
        head = self._head(model)
        chunks = [slice(i, i + self.forward_batch_size) for i in range(0, len(prompts), self.forward_batch_size)]
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                logps_parts, value_parts = [], []
                for rows in chunks:  # --local_rollout_forward_batch_size rows per forward
                    out = completion_logps(model, packed.select(rows), self.temperature, hidden=True)
                    logps_parts.append(out.logps)
                    value_parts.append(head(out.hidden.to(head.weight.dtype)).squeeze(-1))
                old_values = torch.cat(value_parts) * mask
        finally:
            model.train(was_training)
        old_logps = torch.cat(logps_parts)
        if self.kl_coef > 0:
            ref = torch.cat([reference_logps(model, self.ref_model, packed.select(rows), self.temperature,
                                             "ppo with kl_coef > 0") for rows in chunks])
            delta = ref - old_logps
            kl = -delta if self.kl_estimator == "k1" else torch.exp(delta) - delta - 1
        else:
            kl = torch.zeros_like(old_logps)
        kl = kl * mask

        scores = torch.cat([self.score(prompts[rows], rollout.texts[rows], device) for rows in chunks])
        ended = torch.tensor(rollout.ended, device=device)
        if self.missing_eos_penalty is not None:
            scores = scores - self.missing_eos_penalty * (~ended).float()
        rewards = token_rewards(scores, kl, mask, self.kl_coef)
        if self.whiten_rewards:
            rewards = masked_whiten(rewards, mask, shift_mean=False)
        advantages, returns = gae(rewards, old_values, mask, self.gamma, self.lam)
        advantages = masked_whiten(advantages, mask)

        generator = torch.Generator().manual_seed(self.seed * 7_919 + self._calls)
        orders = [torch.randperm(len(prompts), generator=generator).to(device) for _ in range(self.num_ppo_epochs)]
        non_score = (-self.kl_coef * kl).sum(1)
        metrics = {
            "score": scores.mean().item(),
            "kl": kl.sum(1).mean().item(),
            "non_score_reward": non_score.mean().item(),
            "rlhf_reward": (scores + non_score).mean().item(),
            "completion_length": mask.sum(1).mean().item(),
            "eos_rate": ended.float().mean().item(),
        }
        return PpoRollout(packed, old_logps, old_values, advantages, returns, orders, metrics)

    def _rows(self, rollout: PpoRollout, pass_index: int) -> Any:
        """The rows of the mini-batch that update ``pass_index`` of a reuse cycle trains on."""
        epoch, part = divmod(pass_index, self.num_mini_batches)
        order = rollout.orders[epoch % len(rollout.orders)]
        parts = order.tensor_split(min(self.num_mini_batches, order.numel()))
        return parts[part % len(parts)]

    # ------------------------------------------------------------------ the loss

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        rollout, pass_index = self.rollout_for_step(model, batch, self.make_rollout)
        rows = self._rows(rollout, pass_index) if model.training else slice(None)
        packed = rollout.packed.select(rows)
        mask = packed.completion_mask
        out = completion_logps(model, packed, self.temperature, hidden=True, entropy=True)
        head = self._head(model)
        values = head(out.hidden.to(head.weight.dtype)).squeeze(-1)
        pg = policy_loss(out.logps, rollout.old_logps[rows], rollout.advantages[rows], mask, self.cliprange)
        vf = value_loss(values, rollout.old_values[rows], rollout.returns[rows], mask, self.cliprange_value)
        loss = pg["loss"] + self.vf_coef * vf["loss"]
        metrics = {
            **rollout.metrics,
            "policy_loss": pg["loss"].detach(),
            "value_loss": vf["loss"].detach(),
            "clipfrac": pg["clipfrac"],
            "value_clipfrac": vf["clipfrac"],
            "approxkl": pg["approxkl"],
            "ratio": pg["ratio"],
            "entropy": masked_mean(out.entropy, mask),
        }
        return loss, metrics
