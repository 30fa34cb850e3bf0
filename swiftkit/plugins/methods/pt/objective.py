"""Continued pre-training: next-token cross-entropy on every token of the text."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.train.losses import causal_lm_loss


class PtObjective(Objective):
    required_columns = ("text",)
    data_mode = "pt"
    token_normalized_loss = True

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        return causal_lm_loss(model(**inputs).logits, batch["labels"], num_items_in_batch)
