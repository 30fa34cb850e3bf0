"""The GRPO family's variants, as functions of small tensors (torch imported inside).

Each is one of ms-swift's GRPO options:

* ``advantage_estimator`` / ``scale_rewards`` / ``kl_in_reward`` -> :func:`estimate_advantages`
* ``importance_sampling_level`` (token, sequence = GSPO, sequence_token = GSPO-token) and
  ``delta`` (INTELLECT-2's two-sided clip) -> :func:`policy_loss`
* ``loss_type`` (grpo, bnpo, dr_grpo, dapo: how token losses are averaged) -> :func:`reduce_loss`
* ``top_entropy_quantile`` (train only on the highest-entropy tokens) -> :func:`entropy_mask`
"""

from __future__ import annotations

from typing import Any

#: ``advantage_estimator`` -> the ``scale_rewards`` / ``kl_in_reward`` it implies when those are unset
ESTIMATOR_DEFAULTS: dict[str, tuple[str, bool]] = {
    "grpo": ("group", False),
    "rloo": ("none", True),
    "reinforce_plus_plus": ("batch", True),
}
LOSS_TYPES = ("grpo", "bnpo", "dr_grpo", "dapo")
IMPORTANCE_LEVELS = ("token", "sequence", "sequence_token")
EPSILON = 1e-4


def estimate_advantages(rewards: Any, group_size: int, *, estimator: str = "grpo", scale: str = "group",
                        eps: float = EPSILON) -> Any:
    """One advantage per completion, rewards laid out group after group (``n_groups * group_size``).

    ``estimator``: ``grpo`` subtracts the group mean; ``rloo`` the mean of the *other* completions
    of the group (leave-one-out, ``G / (G - 1) * (r - mean)``); ``reinforce_plus_plus`` the group
    mean too (its difference from grpo is its defaults: batch scaling, KL in the reward).
    ``scale``: ``group`` divides by the group's sample std, ``batch`` by the whole batch's
    std of the centred values, ``none`` leaves them as they are."""
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    centred = grouped - mean
    if estimator == "rloo":
        centred = centred * (group_size / (group_size - 1)) if group_size > 1 else centred * 0
    elif estimator not in ("grpo", "reinforce_plus_plus"):
        raise ValueError(f"unknown advantage_estimator {estimator!r}: {', '.join(ESTIMATOR_DEFAULTS)}")
    if scale == "group":
        std = grouped.std(dim=1, keepdim=True) if group_size > 1 else grouped.new_zeros(grouped.shape[0], 1)
        centred = centred / (std + eps)
    elif scale == "batch":
        flat = centred.reshape(-1)
        std = flat.std() if flat.numel() > 1 else flat.new_zeros(())
        centred = centred / (std + eps)
    elif scale != "none":
        raise ValueError(f"unknown scale_rewards {scale!r}: group, batch or none")
    return centred.reshape(-1)


def log_ratio(logps: Any, old_logps: Any, mask: Any, level: str = "token") -> Any:
    """The log importance weight per token: ``token`` the token's own ratio; ``sequence`` the
    mean of the completion's token log-ratios, the same for each of its tokens (GSPO);
    ``sequence_token`` the sequence value without its gradient plus each token's log-prob
    minus its detached self (GSPO-token: the sequence weight's value, the token's gradient)."""
    token = logps - old_logps
    if level == "token":
        return token
    seq = (token * mask).sum(-1, keepdim=True) / mask.sum(-1, keepdim=True).clamp(min=1)
    if level == "sequence":
        return seq.expand_as(token)
    if level == "sequence_token":
        return seq.detach() + logps - logps.detach()
    raise ValueError(f"unknown importance_sampling_level {level!r}: {', '.join(IMPORTANCE_LEVELS)}")


def policy_loss(logps: Any, old_logps: Any, advantages: Any, mask: Any, *, epsilon_low: float, epsilon_high: float,
                level: str = "token", delta: float | None = None) -> tuple[Any, Any]:
    """Per-token clipped surrogate ``-min(w * A, clip(w, 1 - eps_low, 1 + eps_high) * A)`` with
    ``w`` the importance weight at ``level``; with ``delta`` the unclipped ``w`` is also capped at
    ``delta`` (two-sided clipping: a negative advantage cannot push an already unlikely token's
    weight without bound). Returns the per-token loss and where the clip cut the gradient."""
    import torch

    weight = torch.exp(log_ratio(logps, old_logps, mask, level))
    clipped = torch.clamp(weight, 1 - epsilon_low, 1 + epsilon_high)
    unclipped = torch.clamp(weight, max=delta) if delta is not None else weight
    per_token = -torch.min(unclipped * advantages, clipped * advantages)
    cut = ((weight < 1 - epsilon_low) & (advantages < 0)) | ((weight > 1 + epsilon_high) & (advantages > 0))
    return per_token, cut


def reduce_loss(per_token: Any, mask: Any, loss_type: str = "grpo", max_completion_length: int | None = None) -> Any:
    """The batch loss from per-token losses: ``grpo`` averages each completion's tokens, then the
    completions; ``bnpo`` and ``dapo`` average over every completion token of the batch (dapo's
    batch is the generation batch: here each step samples its own, so the two coincide);
    ``dr_grpo`` divides the token sum by ``completions * max_completion_length`` (no length bias)."""
    total = per_token * mask
    if loss_type == "grpo":
        return (total.sum(-1) / mask.sum(-1).clamp(min=1)).mean()
    if loss_type in ("bnpo", "dapo"):
        return total.sum() / mask.sum().clamp(min=1)
    if loss_type == "dr_grpo":
        width = max_completion_length or per_token.shape[-1]
        return total.sum() / (per_token.shape[0] * width)
    raise ValueError(f"unknown GRPO loss_type {loss_type!r}: {', '.join(LOSS_TYPES)}")


def entropy_mask(entropy: Any, mask: Any, quantile: float) -> Any:
    """``mask`` keeping only the completion tokens whose entropy is within the top ``quantile``
    share of the batch's tokens (1.0: all of them); ties at the threshold are kept."""
    import torch

    if quantile >= 1.0:
        return mask
    valid = entropy[mask.bool()]
    if valid.numel() == 0:
        return mask
    threshold = torch.quantile(valid.float(), 1.0 - quantile)
    return mask * (entropy >= threshold).to(mask.dtype)


def sequence_kl(per_token_kl: Any, mask: Any) -> Any:
    """Each completion's mean per-token KL (what ``kl_in_reward`` subtracts, times beta)."""
    return (per_token_kl * mask).sum(-1) / mask.sum(-1).clamp(min=1)
