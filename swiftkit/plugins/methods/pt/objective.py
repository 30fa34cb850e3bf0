"""Continued pre-training: next-token cross-entropy on every token of the text."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.train.losses import causal_lm_loss, with_router_aux_loss


class PtObjective(Objective):
    required_columns = ("text",)
    data_mode = "pt"
    token_normalized_loss = True

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        outputs = model(**inputs)
        loss, metrics = causal_lm_loss(outputs.logits, batch["labels"], num_items_in_batch)
        return with_router_aux_loss(model, outputs, loss, metrics, batch["labels"], num_items_in_batch)
