"""The ``sft-smooth`` objective (behaviour; torch is imported inside ``compute_loss``)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value
from swiftkit.core.templates.interface import IGNORE_INDEX


class SmoothSftObjective(Objective):
    """Label-smoothed next-token cross-entropy over the tokens the template labels."""

    required_columns = ("messages",)  # conversations, as the "sft" layout converts them
    data_mode = "sft"  # the built-in "sft" layout: input_ids, attention_mask, labels (-100 outside the replies)
    token_normalized_loss = True  # a token sum divided by num_items_in_batch (see compute_loss)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch.nn.functional as F

        inputs = {k: v for k, v in batch.items() if k != "labels"}
        logits = model(**inputs).logits[:, :-1].float()
        labels = batch["labels"][:, 1:].to(logits.device)
        flat_logits, flat_labels = logits.reshape(-1, logits.size(-1)), labels.reshape(-1)
        epsilon = option_value(self.options, self.spec, "sft_label_smoothing")  # unset: the schema's default
        total = F.cross_entropy(flat_logits, flat_labels, ignore_index=IGNORE_INDEX, reduction="sum",
                                label_smoothing=float(epsilon))
        count = num_items_in_batch if num_items_in_batch is not None else (flat_labels != IGNORE_INDEX).sum()
        loss = total / count
        nll = F.cross_entropy(flat_logits.detach(), flat_labels, ignore_index=IGNORE_INDEX)
        return loss, {"nll": float(nll)}  # metrics are logged next to the loss
