"""KTO objective: unpaired rows, each labelled desirable (``label`` true) or undesirable.

Loss math in :func:`swiftkit.plugins.methods._preference.kto_loss`; batch layout and the
reference-model contract in :mod:`swiftkit.plugins.methods._preference`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._preference import PreferenceObjective, kto_loss, sequence_logps

__all__ = ["KtoObjective"]


class KtoObjective(PreferenceObjective):
    """``loss = mean(cat(desirable_weight * (1 - sigmoid(beta * (r - KL))),
    undesirable_weight * (1 - sigmoid(beta * (KL - r)))))`` with ``r`` the log-ratio to the
    reference and ``KL`` the batch estimate from mismatched pairs (0 without ``KL_*`` columns)."""

    method = "kto"
    required_columns = ("messages", "label")
    data_mode = "kto"

    def option_float(self, key: str, default: float) -> float:
        value = self.option(key)
        return default if value is None else float(value)

    @staticmethod
    def _logps(model: Any, batch: dict[str, Any], prefix: str = "") -> Any:
        out = model(
            input_ids=batch[f"{prefix}input_ids"], attention_mask=batch.get(f"{prefix}attention_mask")
        )
        return sequence_logps(out.logits, batch[f"{prefix}labels"])

    def reference_logps(self, model: Any, batch: dict[str, Any]) -> tuple[Any, Any]:  # type: ignore[override]
        """Reference summed log-probs of the rows and of the KL rows (``None`` without them)."""

        def run(m: Any) -> tuple[Any, Any]:
            kl = self._logps(m, batch, "KL_") if "KL_input_ids" in batch else None
            return self._logps(m, batch), kl

        return self._run_reference(model, run)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch

        policy = self._logps(model, batch)
        ref, ref_kl = self.reference_logps(model, batch)
        if ref_kl is not None and self.loss_type == "kto":
            with torch.no_grad():
                kl = (self._logps(model, batch, "KL_") - ref_kl).mean().clamp(min=0)
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
