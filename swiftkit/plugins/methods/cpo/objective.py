"""CPO objective (reference-free): a preference loss on the policy's log-probs plus
``cpo_alpha`` times the NLL on the chosen reply. SimPO is the same objective with
``loss_type="simpo"`` (see :mod:`swiftkit.plugins.methods.simpo.objective`).

Loss math in :func:`swiftkit.plugins.methods._preference.cpo_loss` (TRL's
``CPOTrainer.cpo_loss``); batch layout in :mod:`swiftkit.plugins.methods._preference`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._preference import PreferenceObjective, cpo_loss, preference_metrics

__all__ = ["CpoObjective"]


class CpoObjective(PreferenceObjective):
    """``loss = mean(cpo_loss) + cpo_alpha * NLL(chosen)``; average log-probs for ipo and simpo."""

    method = "cpo"
    needs_reference = False

    @property
    def cpo_alpha(self) -> float:
        from swiftkit.plugins.methods._preference_options import DEFAULT_CPO_ALPHA

        value = self.option("cpo_alpha")
        return float(DEFAULT_CPO_ALPHA.get(self.method, 1.0) if value is None else value)

    @property
    def simpo_gamma(self) -> float:
        value = self.option("simpo_gamma")
        return 1.0 if value is None else float(value)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        average = self.loss_type in ("ipo", "simpo")
        policy = self.concatenated_forward(model, batch, average=average, with_nll=self.cpo_alpha != 0)
        losses, chosen_rewards, rejected_rewards = cpo_loss(
            policy["chosen_logps"],
            policy["rejected_logps"],
            beta=self.beta,
            loss_type=self.loss_type,
            label_smoothing=self.label_smoothing,
            simpo_gamma=self.simpo_gamma,
        )
        loss = losses.mean()
        metrics = preference_metrics(chosen_rewards, rejected_rewards)
        metrics["logps/chosen"] = policy["chosen_logps"].detach().mean()
        metrics["logps/rejected"] = policy["rejected_logps"].detach().mean()
        if self.cpo_alpha != 0:
            loss = loss + self.cpo_alpha * policy["nll_loss"]
            metrics["nll_loss"] = policy["nll_loss"].detach()
        return loss, metrics
