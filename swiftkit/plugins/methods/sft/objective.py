"""Supervised fine-tuning: the causal-LM loss on the labels the template marks.

Encoding (which tokens carry labels) belongs to the template:
:meth:`swiftkit.core.templates.interface.Template.encode` with this objective's
``loss_scale`` option. torch is imported inside the functions, so that resolving the
reference stays cheap.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value
from swiftkit.core.templates.interface import IGNORE_INDEX
from swiftkit.train.losses import causal_lm_loss, with_router_aux_loss

__all__ = ["IGNORE_INDEX", "SftObjective"]


class SftObjective(Objective):
    """Cross-entropy of the next token, averaged over the tokens whose label is not -100."""

    required_columns = ("messages",)
    token_normalized_loss = True

    @property
    def loss_scale(self) -> str:
        """Which tokens carry labels: ``default``, ``last_round`` or ``all`` (see the option schema)."""
        return option_value(self.options, self.spec, "loss_scale")

    def encode(self, template: Any, tokenizer: Any, messages: list[dict[str, Any]]) -> dict[str, list[int]]:
        """``template.encode(tokenizer, messages, loss_scale=self.loss_scale)``: ``input_ids``
        and ``labels`` (-100 where no loss), not truncated."""
        return template.encode(tokenizer, messages, loss_scale=self.loss_scale)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        """Mean next-token cross-entropy over the label tokens of ``batch`` (plus a mixture-of-experts
        router's weighted auxiliary loss when the model returns one), and token accuracy.

        ``labels`` are aligned with ``input_ids`` and shifted inside. With ``num_items_in_batch``
        (the label-token count over all gradient-accumulation micro-batches, as
        ``transformers.Trainer`` passes it) the sum is divided by that count instead.
        """
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        outputs = model(**inputs)
        loss, metrics = causal_lm_loss(outputs.logits, batch["labels"], num_items_in_batch,
                                       dft=bool(option_value(self.options, self.spec, "enable_dft_loss")))
        return with_router_aux_loss(model, outputs, loss, metrics, batch["labels"], num_items_in_batch)
