"""DPO objective: the policy against a reference on chosen/rejected pairs.

Loss math in :func:`swiftkit.plugins.methods._preference.dpo_loss`; the batch layout and the
reference-model contract are described in :mod:`swiftkit.plugins.methods._preference`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._preference import PreferenceObjective, dpo_loss, preference_metrics

__all__ = ["DpoObjective"]


class DpoObjective(PreferenceObjective):
    """``loss = mean(dpo_loss) + rpo_alpha * NLL(chosen)`` (the second term only with ``rpo_alpha``)."""

    method = "dpo"

    @property
    def rpo_alpha(self) -> float | None:
        value = self.option("rpo_alpha")
        return None if value is None else float(value)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        policy = self.concatenated_forward(model, batch, with_nll=self.rpo_alpha is not None)
        ref_chosen, ref_rejected = self.reference_logps(model, batch)
        losses, chosen_rewards, rejected_rewards = dpo_loss(
            policy["chosen_logps"],
            policy["rejected_logps"],
            ref_chosen,
            ref_rejected,
            beta=self.beta,
            loss_type=self.loss_type,
            label_smoothing=self.label_smoothing,
            chosen_lengths=policy["chosen_lengths"],
            rejected_lengths=policy["rejected_lengths"],
            discopop_tau=float(self.option("discopop_tau") or 0.05),
        )
        loss = losses.mean()
        metrics = preference_metrics(chosen_rewards, rejected_rewards)
        metrics["logps/chosen"] = policy["chosen_logps"].detach().mean()
        metrics["logps/rejected"] = policy["rejected_logps"].detach().mean()
        if self.rpo_alpha is not None:
            loss = loss + self.rpo_alpha * policy["nll_loss"]
            metrics["nll_loss"] = policy["nll_loss"].detach()
        return loss, metrics
