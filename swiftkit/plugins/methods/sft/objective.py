"""Supervised fine-tuning: encode conversations with loss masks, and the causal-LM loss.

torch is imported inside the functions, so that resolving the reference stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swiftkit.core.methods.interface import Objective

#: label value the loss ignores (the PyTorch / transformers convention)
IGNORE_INDEX = -100


def select_trainable(segments: Sequence[tuple[str, bool]], loss_scale: str) -> list[tuple[str, bool]]:
    """Apply ``loss_scale`` to a template's ``(text, trainable)`` segments.

    ``default`` keeps the template's marks (every assistant reply), ``last_round`` keeps only
    the last run of trainable segments (the final reply), ``all`` marks everything trainable.
    """
    segments = [(text, bool(train)) for text, train in segments]
    if loss_scale == "default":
        return segments
    if loss_scale == "all":
        return [(text, True) for text, _ in segments]
    if loss_scale == "last_round":
        last = [i for i, (_, train) in enumerate(segments) if train]
        if not last:
            return segments
        end = last[-1]
        start = end
        while start > 0 and segments[start - 1][1]:
            start -= 1
        return [(text, start <= i <= end) for i, (text, _) in enumerate(segments)]
    raise ValueError(f"unknown loss_scale {loss_scale!r}; expected one of: default, last_round, all")


class SftObjective(Objective):
    """Cross-entropy of the next token, averaged over the tokens whose label is not -100."""

    required_columns = ("messages",)

    @property
    def loss_scale(self) -> str:
        value = self.options.get("loss_scale")
        if value is None:
            value = self.spec.options["properties"]["loss_scale"]["default"]
        return value

    def encode(
        self, template: Any, tokenizer: Any, messages: list[dict[str, Any]], max_length: int | None = None
    ) -> dict[str, list[int]]:
        """Tokenize one conversation into ``input_ids`` and ``labels`` (-100 where no loss).

        Each segment the template renders is tokenized on its own (special tokens are part of
        the template text, so none are added), which keeps the label boundaries exact.
        ``max_length`` truncates from the right.
        """
        segments = select_trainable(template.render_segments(messages), self.loss_scale)
        input_ids: list[int] = []
        labels: list[int] = []
        for text, trainable in segments:
            if not text:
                continue
            ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
            input_ids.extend(ids)
            labels.extend(ids if trainable else [IGNORE_INDEX] * len(ids))
        if max_length is not None:
            input_ids, labels = input_ids[:max_length], labels[:max_length]
        return {"input_ids": input_ids, "labels": labels}

    @staticmethod
    def collate(features: Sequence[dict[str, Sequence[int]]], pad_token_id: int) -> dict[str, Any]:
        """Right-pad encoded rows into a batch of tensors (``input_ids``, ``attention_mask``, ``labels``)."""
        import torch

        width = max(len(f["input_ids"]) for f in features)
        input_ids = torch.full((len(features), width), pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(features), width), dtype=torch.long)
        labels = torch.full((len(features), width), IGNORE_INDEX, dtype=torch.long)
        for i, f in enumerate(features):
            n = len(f["input_ids"])
            input_ids[i, :n] = torch.as_tensor(f["input_ids"], dtype=torch.long)
            attention_mask[i, :n] = 1
            labels[i, :n] = torch.as_tensor(f.get("labels", f["input_ids"]), dtype=torch.long)
        return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        """Mean next-token cross-entropy over the label tokens of ``batch``.

        ``labels`` are aligned with ``input_ids`` and shifted here. With ``num_items_in_batch``
        (the label-token count over all gradient-accumulation micro-batches, as
        ``transformers.Trainer`` passes it) the sum is divided by that count instead.
        """
        import torch
        import torch.nn.functional as F

        labels = batch["labels"]
        inputs = {k: v for k, v in batch.items() if k != "labels" and isinstance(v, torch.Tensor)}
        logits = model(**inputs).logits
        shift_logits = logits[:, :-1, :].float()
        shift_labels = labels[:, 1:].to(shift_logits.device)
        total = F.cross_entropy(
            shift_logits.reshape(-1, shift_logits.size(-1)),
            shift_labels.reshape(-1),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        if num_items_in_batch is not None:
            denom = torch.as_tensor(num_items_in_batch, device=total.device, dtype=total.dtype)
        else:
            denom = (shift_labels != IGNORE_INDEX).sum().to(total.dtype)
        return total / denom.clamp(min=1)
