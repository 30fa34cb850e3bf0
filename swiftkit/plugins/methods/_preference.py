"""Preference-optimisation losses (DPO, KTO, ORPO, SimPO, CPO) and the objective base they share.

torch is imported inside the functions, so importing this module stays cheap.

Batch layout (produced by the preference data pipeline)
-------------------------------------------------------
Paired methods (dpo, orpo, simpo, cpo): ``chosen_input_ids``, ``chosen_labels``,
``chosen_attention_mask``, ``rejected_input_ids``, ``rejected_labels``,
``rejected_attention_mask``; labels are aligned with the inputs (shifted inside, as
:func:`swiftkit.train.losses.causal_lm_loss` does) and -100 outside the response.
Unpaired KTO: ``input_ids``, ``labels``, ``attention_mask`` and ``label`` (bool: desirable),
and ``KL_input_ids``, ``KL_labels``, ``KL_attention_mask`` (row i's prompt with row i+1's
completion, :class:`swiftkit.data.pair_collator.KTOCollator`) for KTO's KL reference point.
Rows with media add ``media_inputs`` (and ``KL_media_inputs``): the model inputs of the
family's processor for those sequences, passed to every forward (policy and reference).

Reference model contract
------------------------
:meth:`PreferenceObjective.reference_logps` computes the reference log-probabilities under
``torch.no_grad()``:

* if the trainer set ``objective.ref_model`` (not None), that model is used (frozen copy of the
  initial policy, full fine-tuning);
* else, if the policy is a PEFT model (has ``disable_adapter``), the same model is run inside
  ``with model.disable_adapter():`` (the base model is the reference for a new adapter);
* else it raises :class:`~swiftkit.core.errors.SwiftkitError`: the trainer must provide one.

Reference-free methods (orpo, simpo, cpo) set ``needs_reference = False`` and never call it.

Definitions follow TRL 1.16 (tests compare against it on random log-probabilities):

* all losses are per-sequence (per-row) and averaged over the micro-batch; ``num_items_in_batch``
  (a token count) is not used, as in TRL;
* DPO ``label_smoothing`` applies to ``robust`` (as TRL) and to ``sigmoid``: conservative DPO
  (cDPO, Mitchell 2023), ``-(1 - eps) * logsigmoid(beta * x) - eps * logsigmoid(-beta * x)``, as
  older TRL and ms-swift; TRL 1.16 ignores it for ``sigmoid`` (equal at ``eps = 0``);
* KTO's reference point is TRL's: the batch mean of the policy/reference log-ratio of the
  mismatched ``KL_*`` rows, averaged over processes, clamped at 0, detached;
* DPO ``ipo`` divides each log-ratio by the response's label-token count before the squared
  loss (TRL >= 0.x; the IPO authors' normalised form) when lengths are given;
* DPO's RPO term is TRL's ``sft`` loss type: mean NLL over the chosen label tokens, weighted
  by ``rpo_alpha``;
* ORPO's ``orpo_loss`` returns ``-beta * logsigmoid(log_odds)`` (positive; TRL's
  ``odds_ratio_loss`` returns the negation and subtracts it), on average log-probs;
* CPO/SimPO use TRL's ``CPOTrainer.cpo_loss`` (average log-probs for ``ipo`` and ``simpo``).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value
from swiftkit.train.losses import IGNORE_INDEX

__all__ = [
    "PreferenceObjective",
    "cpo_loss",
    "dpo_loss",
    "kto_loss",
    "label_counts",
    "log1mexp",
    "mean_over_processes",
    "orpo_loss",
    "preference_metrics",
    "sequence_logps",
    "simpo_loss",
]


# ---------------------------------------------------------------------------- log-probs


def sequence_logps(logits: Any, labels: Any, average: bool = False, weights: Any = None) -> Any:
    """Per-sequence log-probability of the label tokens (labels aligned with the inputs and
    shifted here; -100 ignored): the sum, or with ``average`` the mean per label token;
    ``weights`` (per shifted position) scale each token's log-probability first (LD-DPO)."""
    import torch

    logits = logits[:, -labels.shape[1] :]  # prompt tuning prepends virtual-token positions
    shift_labels = torch.nn.functional.pad(labels, (0, 1), value=IGNORE_INDEX)[:, 1:].to(logits.device)
    mask = shift_labels != IGNORE_INDEX
    index = shift_labels.masked_fill(~mask, 0)
    logp = torch.log_softmax(logits.float(), dim=-1)
    per_token = torch.gather(logp, 2, index.unsqueeze(-1)).squeeze(-1) * mask
    if weights is not None:
        per_token = per_token * weights.to(per_token.device)
    total = per_token.sum(-1)
    if average:
        return total / mask.sum(-1).clamp(min=1)
    return total


def length_desensitized_weights(chosen_labels: Any, rejected_labels: Any, alpha: float) -> tuple[Any, Any]:
    """LD-DPO's per-token weights of each pair's (shifted) label tokens: 1 on the first
    ``min(chosen count, rejected count)`` label tokens of each reply (the length they share),
    ``alpha`` on the tokens past it; 0 off the labels."""
    import torch

    def ranks(labels: Any) -> tuple[Any, Any]:
        mask = torch.nn.functional.pad(labels, (0, 1), value=IGNORE_INDEX)[:, 1:] != IGNORE_INDEX
        return mask, mask.long().cumsum(-1)  # 1-based rank of each label token

    c_mask, c_rank = ranks(chosen_labels)
    r_mask, r_rank = ranks(rejected_labels)
    shared = torch.minimum(c_mask.sum(-1), r_mask.sum(-1)).unsqueeze(-1)

    def weights(mask: Any, rank: Any) -> Any:
        w = torch.where(rank <= shared, torch.ones_like(rank, dtype=torch.float32),
                        torch.full_like(rank, alpha, dtype=torch.float32))
        return w * mask

    return weights(c_mask, c_rank), weights(r_mask, r_rank)


def label_counts(labels: Any) -> Any:
    """Number of label tokens (after the shift) per sequence."""
    return (labels[:, 1:] != IGNORE_INDEX).sum(-1)


def log1mexp(x: Any) -> Any:
    """``log(1 - exp(x))`` for ``x < 0``, stable on both sides of ``-ln 2``."""
    import torch

    t = -0.6931471805599453
    return torch.where(x < t, torch.log1p(-torch.exp(x)), torch.log(-torch.expm1(x)))


# ---------------------------------------------------------------------------- losses


def _smoothed_sigmoid(logits: Any, beta: float, label_smoothing: float) -> Any:
    import torch.nn.functional as F

    return (
        -F.logsigmoid(beta * logits) * (1 - label_smoothing) - F.logsigmoid(-beta * logits) * label_smoothing
    )


def dpo_loss(
    policy_chosen: Any,
    policy_rejected: Any,
    ref_chosen: Any,
    ref_rejected: Any,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
    chosen_lengths: Any = None,
    rejected_lengths: Any = None,
    discopop_tau: float = 0.05,
) -> tuple[Any, Any, Any]:
    """Per-pair DPO losses and the implicit rewards ``beta * (policy - ref)`` (detached).

    ``loss_type``: ``sigmoid`` (conservative DPO with ``label_smoothing`` > 0), ``hinge``,
    ``ipo`` (log-ratios divided by ``chosen_lengths`` / ``rejected_lengths`` when given, as
    TRL does), ``robust`` (unbiased under label noise ``label_smoothing``), ``discopop``
    (DiscoPOP's log-ratio modulated loss: with ``z = beta * delta`` and ``m = sigmoid(z /
    discopop_tau)``, ``(1 - m) * -logsigmoid(z) + m * exp(-z)``)."""
    import torch
    import torch.nn.functional as F

    chosen_ratio = policy_chosen - ref_chosen
    rejected_ratio = policy_rejected - ref_rejected
    delta = chosen_ratio - rejected_ratio
    if loss_type == "sigmoid":  # cDPO: the label is flipped with probability label_smoothing
        losses = _smoothed_sigmoid(delta, beta, label_smoothing)
    elif loss_type == "hinge":
        losses = torch.relu(1 - beta * delta)
    elif loss_type == "ipo":
        if chosen_lengths is not None:
            chosen_ratio_n = chosen_ratio / chosen_lengths.clamp(min=1)
            rejected_ratio_n = rejected_ratio / rejected_lengths.clamp(min=1)
            delta = chosen_ratio_n - rejected_ratio_n
        losses = (delta - 1 / (2 * beta)) ** 2
    elif loss_type == "robust":
        clean = -(1 - label_smoothing) * F.logsigmoid(beta * delta)
        flipped = -label_smoothing * F.logsigmoid(-beta * delta)
        losses = (clean - flipped) / (1 - 2 * label_smoothing)
    elif loss_type == "discopop":
        z = beta * delta
        modulation = torch.sigmoid(z / discopop_tau)
        losses = -F.logsigmoid(z) * (1 - modulation) + torch.exp(-z) * modulation
    else:
        raise ValueError(f"unknown dpo loss_type {loss_type!r}: sigmoid, hinge, ipo, robust or discopop")
    return losses, beta * chosen_ratio.detach(), beta * rejected_ratio.detach()


def orpo_loss(
    chosen_avg_logps: Any, rejected_avg_logps: Any, beta: float = 0.1
) -> tuple[Any, Any, Any, Any, Any]:
    """ORPO's odds-ratio term on *average* log-probs: ``(losses, chosen_rewards,
    rejected_rewards, mean log-sigmoid ratio, mean log-odds)``, where ``losses =
    -beta * logsigmoid(log_odds)`` (add its mean to the chosen NLL)."""
    import torch
    import torch.nn.functional as F

    chosen = chosen_avg_logps.float()
    rejected = rejected_avg_logps.float()
    log_odds = (chosen - rejected) - (log1mexp(chosen) - log1mexp(rejected))
    ratio = F.logsigmoid(log_odds)
    losses = -beta * ratio
    return losses, beta * chosen.detach(), beta * rejected.detach(), torch.mean(ratio), torch.mean(log_odds)


def cpo_loss(
    chosen_logps: Any,
    rejected_logps: Any,
    beta: float = 0.1,
    loss_type: str = "sigmoid",
    label_smoothing: float = 0.0,
    simpo_gamma: float = 1.0,
) -> tuple[Any, Any, Any]:
    """Reference-free pairwise losses (TRL's ``CPOTrainer.cpo_loss``): ``sigmoid`` (CPO),
    ``hinge``, ``ipo``, ``simpo`` (margin ``simpo_gamma``). Pass average log-probs for
    ``ipo`` and ``simpo``. Returns ``(losses, beta * chosen, beta * rejected)``."""
    import torch

    logits = chosen_logps - rejected_logps
    if loss_type == "simpo":
        losses = _smoothed_sigmoid(logits - simpo_gamma / beta, beta, label_smoothing)
    elif loss_type == "sigmoid":
        losses = _smoothed_sigmoid(logits, beta, label_smoothing)
    elif loss_type == "hinge":
        losses = torch.relu(1 - beta * logits)
    elif loss_type == "ipo":
        losses = (logits - 1 / (2 * beta)) ** 2
    else:
        raise ValueError(f"unknown cpo loss_type {loss_type!r}: sigmoid, hinge, ipo or simpo")
    return losses, beta * chosen_logps.detach(), beta * rejected_logps.detach()


def simpo_loss(
    chosen_avg: Any,
    rejected_avg: Any,
    beta: float = 2.0,
    gamma: float = 1.0,
    loss_type: str = "simpo",
    label_smoothing: float = 0.0,
) -> tuple[Any, Any, Any]:
    """SimPO on average log-probs: :func:`cpo_loss` with ``loss_type="simpo"`` by default."""
    return cpo_loss(chosen_avg, rejected_avg, beta, loss_type, label_smoothing, simpo_gamma=gamma)


def kto_loss(
    policy_logps: Any,
    ref_logps: Any,
    labels_bool: Any,
    kl: Any,
    beta: float = 0.1,
    desirable_weight: float = 1.0,
    undesirable_weight: float = 1.0,
    loss_type: str = "kto",
) -> tuple[Any, Any, Any]:
    """KTO (unpaired): ``(losses, chosen_rewards, rejected_rewards)``; ``losses`` are the
    weighted desirable losses followed by the undesirable ones (TRL's order; the loss is their
    mean), rewards ``beta * (policy - ref)`` of each group. ``kl`` is the (detached, clamped
    at 0) batch KL estimate; ``apo_zero_unpaired`` ignores it."""
    import torch

    labels_bool = torch.as_tensor(labels_bool, dtype=torch.bool, device=policy_logps.device)
    ratios = policy_logps - ref_logps
    chosen = ratios[labels_bool]
    rejected = ratios[~labels_bool]
    if loss_type == "kto":
        chosen_losses = 1 - torch.sigmoid(beta * (chosen - kl))
        rejected_losses = 1 - torch.sigmoid(beta * (kl - rejected))
    elif loss_type == "apo_zero_unpaired":
        chosen_losses = 1 - torch.sigmoid(beta * chosen)
        rejected_losses = torch.sigmoid(beta * rejected)
    else:
        raise ValueError(f"unknown kto loss_type {loss_type!r}: kto or apo_zero_unpaired")
    losses = torch.cat((desirable_weight * chosen_losses, undesirable_weight * rejected_losses), 0)
    return losses, beta * chosen.detach(), beta * rejected.detach()


def mean_over_processes(value: Any, device: Any) -> Any:
    """The mean of a 0-d tensor over the processes that pass one (``None`` where a process has
    none), or ``None`` when no process has one. Every process must call it (it all-reduces when
    ``torch.distributed`` is initialised); a single process gets ``value`` back."""
    import torch
    import torch.distributed as dist

    if value is None:
        local = torch.zeros(2, device=device)
    else:
        local = torch.stack([value.detach().float(), torch.ones((), device=value.device)]).to(device)
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(local)
    return local[0] / local[1] if float(local[1]) > 0 else None


def preference_metrics(
    chosen_rewards: Any, rejected_rewards: Any, prefix: str = "rewards/"
) -> dict[str, Any]:
    """Mean chosen / rejected rewards, margin and accuracy (chosen > rejected) of paired rows
    (detached 0-d tensors; the trainer converts them at log time)."""
    chosen_rewards = chosen_rewards.detach()
    rejected_rewards = rejected_rewards.detach()
    return {
        f"{prefix}chosen": chosen_rewards.mean(),
        f"{prefix}rejected": rejected_rewards.mean(),
        f"{prefix}margins": (chosen_rewards - rejected_rewards).mean(),
        f"{prefix}accuracies": (chosen_rewards > rejected_rewards).float().mean(),
    }


# ---------------------------------------------------------------------------- objective base


class PreferenceObjective(Objective):
    """What the preference objectives share: options with method defaults, the concatenated
    chosen + rejected forward, and the reference log-probs (see the module docstring)."""

    #: the method name in :mod:`._preference_options` tables
    method: str = ""
    #: whether the loss needs reference log-probs
    needs_reference: bool = True
    #: whether the objective has a ``beta`` (checked against its bounds when created)
    needs_beta: bool = True
    #: rows carry a conversation and a rejected reply (ms-swift's ``rejected_response``)
    required_columns: tuple[str, ...] = ("messages", "rejected_response")

    #: set by the trainer for full fine-tuning (a frozen copy of the initial policy)
    ref_model: Any = None
    #: the run's template (:meth:`setup`): the collator processes rows' media with it
    template: Any = None

    def setup(self, *, template: Any = None, **kwargs: Any) -> None:
        """Keep the run's template: rows with media are batched with its media processor."""
        self.template = template

    def data_layout(self) -> Any:
        """Pairs: ``chosen_*`` / ``rejected_*`` rows (:mod:`swiftkit.data.preference`)."""
        from swiftkit.data.preference import PreferenceLayout

        return PreferenceLayout(self.template)

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        from swiftkit.core.errors import ConfigError
        from swiftkit.plugins.methods._preference_options import LOSS_TYPES

        allowed = LOSS_TYPES.get(self.method, ())
        if allowed and self.loss_type not in allowed:
            raise ConfigError(
                f"--loss_type {self.loss_type} is not a {self.method} loss; choose one of {', '.join(allowed)}"
            )
        if self.needs_beta:
            from swiftkit.plugins.methods._preference_options import check_beta

            check_beta(self.method, self.beta)

    def option(self, key: str) -> Any:
        """The validated value of ``key``, else the schema default."""
        return option_value(self.options, self.spec, key)

    @property
    def beta(self) -> float:
        from swiftkit.plugins.methods._preference_options import DEFAULT_BETA

        value = self.option("beta")
        return float(DEFAULT_BETA.get(self.method, 0.1) if value is None else value)

    @property
    def loss_type(self) -> str | None:
        from swiftkit.plugins.methods._preference_options import LOSS_TYPES

        value = self.option("loss_type")
        if value is None and LOSS_TYPES.get(self.method):
            value = LOSS_TYPES[self.method][0]
        return value

    @property
    def label_smoothing(self) -> float:
        return float(self.option("label_smoothing") or 0.0)

    # ------------------------------------------------------------------ forwards

    @staticmethod
    def concatenated_inputs(batch: dict[str, Any]) -> dict[str, Any]:
        """Chosen rows then rejected rows, right-padded to one length (pad id 0, label -100,
        attention 0): ``input_ids``, ``attention_mask``, ``labels``."""
        import torch
        import torch.nn.functional as F

        length = max(batch["chosen_input_ids"].shape[1], batch["rejected_input_ids"].shape[1])
        out = {}
        for key, pad in (("input_ids", 0), ("attention_mask", 0), ("labels", IGNORE_INDEX)):
            parts = []
            for side in ("chosen", "rejected"):
                t = batch.get(f"{side}_{key}")
                if t is None and key == "attention_mask":
                    t = torch.ones_like(batch[f"{side}_input_ids"])
                parts.append(F.pad(t, (0, length - t.shape[1]), value=pad))
            out[key] = torch.cat(parts, 0)
        return out

    def concatenated_forward(
        self, model: Any, batch: dict[str, Any], average: bool = False, with_nll: bool = True
    ) -> dict[str, Any]:
        """One forward of chosen + rejected: per-sequence log-probs (``chosen_logps``,
        ``rejected_logps``; means per token with ``average``), label-token counts
        (``chosen_lengths``, ``rejected_lengths``) and ``nll_loss``, the mean next-token
        cross-entropy over the chosen label tokens."""
        from swiftkit.train.losses import causal_lm_loss

        inputs = self.concatenated_inputs(batch)
        # rows with media: the collator laid their pixels out for chosen + rejected (computed once)
        media = batch.get("media_inputs") or {}
        logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], **media).logits
        labels = inputs["labels"]
        n = batch["chosen_input_ids"].shape[0]
        weights = None
        ld_alpha = self.option("ld_alpha")  # dpo's option; None for the other methods
        if ld_alpha is not None:  # LD-DPO: tokens past the pair's shared length count alpha times
            import torch

            weights = torch.cat(length_desensitized_weights(labels[:n], labels[n:], float(ld_alpha)), 0)
        logps = sequence_logps(logits, labels, average=average, weights=weights)
        lengths = label_counts(labels)
        out = {
            "chosen_logps": logps[:n],
            "rejected_logps": logps[n:],
            "chosen_lengths": lengths[:n],
            "rejected_lengths": lengths[n:],
        }
        if with_nll:
            out["nll_loss"], _ = causal_lm_loss(logits[:n], labels[:n])
        return out

    def _run_reference(self, model: Any, fn: Any) -> Any:
        import torch

        from swiftkit.core.errors import SwiftkitError
        from swiftkit.train.unwrap import adapters_off, unwrap_model

        with torch.no_grad():
            if self.ref_model is not None:
                return fn(self.ref_model)
            inner = unwrap_model(model)  # no gradient to synchronise: the model inside any wrapper
            if hasattr(inner, "disable_adapter"):
                with adapters_off(inner):
                    return fn(inner)
        raise SwiftkitError(
            f"{self.method} needs a reference model: the trainer must set objective.ref_model "
            "(full fine-tuning) or train a PEFT adapter"
        )

    def reference_logps(self, model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:
        """Reference summed log-probs of the chosen and rejected rows, without gradients."""

        def run(m: Any) -> tuple[Any, Any]:
            out = self.concatenated_forward(m, batch, with_nll=False)
            return out["chosen_logps"], out["rejected_logps"]

        return self._run_reference(model, run)
