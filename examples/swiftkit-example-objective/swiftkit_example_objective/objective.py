"""The ``contrastive`` objective: sentence embeddings from a causal LM.

An embedding is the mean of the last hidden states over a text's tokens, L2-normalised. For a
batch of ``B`` triplets:

- ``infonce`` (default): each anchor's cosine similarities to the ``2B`` candidates (every
  positive and every negative of the batch), divided by ``contrastive_temperature``, scored
  by cross-entropy against its own positive -- the other rows' texts are extra negatives;
- ``triplet``: ``mean(max(0, triplet_margin - cos(a, p) + cos(a, n)))``.

Logged next to the loss: ``pos_sim`` / ``neg_sim`` (mean cosine of anchor-positive and
anchor-negative) and ``triplet_acc`` (share of rows whose positive is nearer than the negative).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value
from swiftkit_example_objective.layout import SIDES, TripletLayout


def embed(model: Any, input_ids: Any, attention_mask: Any) -> Any:
    """Mean-pooled, L2-normalised last hidden states, one row per text."""
    import torch.nn.functional as F

    out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, use_cache=False)
    hidden = out.hidden_states[-1]
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    return F.normalize(pooled.float(), dim=-1)


class ContrastiveObjective(Objective):
    required_columns = SIDES

    def data_layout(self) -> TripletLayout:
        return TripletLayout()

    def option(self, key: str) -> Any:
        """The run's value of one of this objective's keys, else the schema's default."""
        return option_value(self.options, self.spec, key)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch
        import torch.nn.functional as F

        # one forward over the three sides (padded to a common width)
        width = max(batch[f"{s}_input_ids"].shape[1] for s in SIDES)
        ids = torch.cat([F.pad(batch[f"{s}_input_ids"], (0, width - batch[f"{s}_input_ids"].shape[1])) for s in SIDES])
        mask = torch.cat([F.pad(batch[f"{s}_attention_mask"], (0, width - batch[f"{s}_attention_mask"].shape[1])) for s in SIDES])
        anchor, positive, negative = embed(model, ids, mask).chunk(3)
        pos = (anchor * positive).sum(-1)
        neg = (anchor * negative).sum(-1)
        if self.option("contrastive_loss") == "triplet":
            loss = F.relu(self.option("triplet_margin") - pos + neg).mean()
        else:
            logits = anchor @ torch.cat([positive, negative]).T / self.option("contrastive_temperature")
            loss = F.cross_entropy(logits, torch.arange(len(anchor), device=logits.device))
        metrics = {"pos_sim": pos.mean().detach(), "neg_sim": neg.mean().detach(),
                   "triplet_acc": (pos > neg).float().mean().detach()}
        return loss, metrics
