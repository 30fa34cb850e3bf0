"""KTO objective: unpaired rows, each labelled desirable (``label`` true) or undesirable.

Loss math in :func:`swiftkit.plugins.methods._preference.kto_loss`; batch layout and the
reference-model contract in :mod:`swiftkit.plugins.methods._preference`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._preference import (
    PreferenceObjective,
    kto_loss,
    mean_over_processes,
    sequence_logps,
)

__all__ = ["KtoObjective"]


class KtoObjective(PreferenceObjective):
    """``loss = mean(cat(desirable_weight * (1 - sigmoid(beta * (r - z0))),
    undesirable_weight * (1 - sigmoid(beta * (z0 - r)))))`` with ``r`` the log-ratio to the
    reference and ``z0`` the KL reference point.

    ``z0`` is estimated per batch as TRL and the KTO paper do: the collator pairs each prompt with
    another row's completion (``KL_*`` tensors); ``z0 = max(0, mean(policy - reference log-probs
    of those pairs))``, without gradients, averaged over processes when training is distributed.
    A batch without ``KL_*`` rows (the first batch of one row) keeps the previous estimate.
    ``loss_type apo_zero_unpaired`` uses no reference point (TRL computes no KL for it)."""

    method = "kto"
    required_columns = ("messages", "label")

    def data_layout(self) -> Any:
        """Labelled completions (:class:`swiftkit.data.preference.KTOLayout`)."""
        from swiftkit.data.preference import KTOLayout

        return KTOLayout(self.template)

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self._last_kl: float = 0.0

    def option_float(self, key: str, default: float) -> float:
        value = self.option(key)
        return default if value is None else float(value)

    @property
    def uses_kl(self) -> bool:
        return self.loss_type == "kto"

    @staticmethod
    def _logps(model: Any, batch: dict[str, Any], prefix: str = "") -> Any:
        out = model(
            input_ids=batch[f"{prefix}input_ids"], attention_mask=batch.get(f"{prefix}attention_mask"),
            **(batch.get(f"{prefix}media_inputs") or {}),
        )
        return sequence_logps(out.logits, batch[f"{prefix}labels"])

    def reference_logps(self, model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:  # type: ignore[override]
        """Reference summed log-probs of the rows and of the KL rows (``None`` without them or
        when the loss type needs no KL)."""
        with_kl = self.uses_kl and "KL_input_ids" in batch

        def run(m: Any) -> tuple[Any, Any]:
            return self._logps(m, batch), (self._logps(m, batch, "KL_") if with_kl else None)

        return self._run_reference(model, run)

    def reference_point(self, model: Any, batch: dict[str, Any], ref_kl: Any, device: Any) -> Any:
        """The detached KL estimate ``z0`` of this batch (0-d float tensor on ``device``)."""
        import torch

        local = None
        if ref_kl is not None:
            with torch.no_grad():
                local = (self._logps(model, batch, "KL_") - ref_kl).mean()
        kl = mean_over_processes(local, device)
        if kl is None:
            return torch.tensor(self._last_kl, device=device)
        kl = kl.clamp(min=0)
        self._last_kl = float(kl)
        return kl

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch

        policy = self._logps(model, batch)
        ref, ref_kl = self.reference_logps(model, batch)
        if self.uses_kl:
            kl = self.reference_point(model, batch, ref_kl, policy.device)
        else:
            kl = torch.zeros((), device=policy.device)
        labels = torch.as_tensor(batch["label"], dtype=torch.bool, device=policy.device)
        losses, chosen_rewards, rejected_rewards = kto_loss(
            policy,
            ref,
            labels,
            kl,
            beta=self.beta,
            desirable_weight=self.option_float("desirable_weight", 1.0),
            undesirable_weight=self.option_float("undesirable_weight", 1.0),
            loss_type=self.loss_type,
        )
        metrics: dict[str, Any] = {"kl": kl.detach()}
        # rows of one kind may be missing from a micro-batch: log only the groups present
        if chosen_rewards.numel():
            metrics["rewards/chosen"] = chosen_rewards.mean()
            metrics["logps/chosen"] = policy.detach()[labels].mean()
        if rejected_rewards.numel():
            metrics["rewards/rejected"] = rejected_rewards.mean()
            metrics["logps/rejected"] = policy.detach()[~labels].mean()
        if chosen_rewards.numel() and rejected_rewards.numel():
            metrics["rewards/margins"] = metrics["rewards/chosen"] - metrics["rewards/rejected"]
        return losses.nanmean(), metrics
