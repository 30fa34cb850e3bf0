"""ORPO objective (reference-free): NLL on the chosen reply plus the odds-ratio term.

Loss math in :func:`swiftkit.plugins.methods._preference.orpo_loss`; batch layout in
:mod:`swiftkit.plugins.methods._preference`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._preference import PreferenceObjective, orpo_loss, preference_metrics

__all__ = ["OrpoObjective"]


class OrpoObjective(PreferenceObjective):
    """``loss = NLL(chosen) + mean(-beta * logsigmoid(log_odds))`` on average log-probs."""

    method = "orpo"
    needs_reference = False

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        policy = self.concatenated_forward(model, batch, average=True)
        losses, chosen_rewards, rejected_rewards, log_odds_ratio, log_odds_chosen = orpo_loss(
            policy["chosen_logps"], policy["rejected_logps"], beta=self.beta
        )
        loss = policy["nll_loss"] + losses.mean()
        metrics = preference_metrics(chosen_rewards, rejected_rewards)
        metrics.update(
            {
                "logps/chosen": policy["chosen_logps"].detach().mean(),
                "logps/rejected": policy["rejected_logps"].detach().mean(),
                "nll_loss": policy["nll_loss"].detach(),
                "log_odds_ratio": log_odds_ratio.detach(),
                "log_odds_chosen": log_odds_chosen.detach(),
            }
        )
        return loss, metrics
