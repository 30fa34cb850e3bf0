"""Losses shared by objectives."""

from __future__ import annotations

from typing import Any

IGNORE_INDEX = -100


def causal_lm_loss(logits: Any, labels: Any, num_items_in_batch: Any = None, *,
                   dft: bool = False) -> tuple[Any, dict[str, Any]]:
    """Next-token cross-entropy over the positions whose label is not -100, and token accuracy.

    ``labels`` are aligned with the inputs and shifted here. With ``num_items_in_batch`` the
    summed loss is divided by that count (the label tokens of every gradient-accumulation
    micro-batch), so accumulated steps equal one large batch. ``dft`` (Dynamic Fine-Tuning,
    ``--enable_dft_loss``) weights each token's cross-entropy by the model's probability of
    that token, held constant (no gradient through the weight).
    """
    import torch
    import torch.nn.functional as F

    logits = logits[:, -labels.shape[1] :]  # prompt tuning prepends virtual-token positions
    # shift the labels, not the logits: slicing the (batch x length x vocab) logits copies them
    shift_labels = F.pad(labels, (0, 1), value=IGNORE_INDEX)[:, 1:].to(logits.device)
    flat_logits = logits.reshape(-1, logits.size(-1)).float()
    if dft:
        per_token = F.cross_entropy(flat_logits, shift_labels.reshape(-1), ignore_index=IGNORE_INDEX, reduction="none")
        total = (per_token * torch.exp(-per_token).detach()).sum()  # ignored positions have a loss of 0
    else:
        total = F.cross_entropy(flat_logits, shift_labels.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum")
    mask = shift_labels != IGNORE_INDEX
    count = mask.sum()
    if num_items_in_batch is not None:
        denom = torch.as_tensor(num_items_in_batch, device=total.device, dtype=total.dtype)
    else:
        denom = count.to(total.dtype)
    with torch.no_grad():  # a tensor: the trainer converts it at log time, so no sync per step
        correct = (logits.argmax(-1) == shift_labels) & mask
        acc = correct.sum() / count.clamp(min=1)
    return total / denom.clamp(min=1), {"token_acc": acc}


def with_router_aux_loss(model: Any, outputs: Any, loss: Any, metrics: dict[str, Any], labels: Any = None,
                         num_items_in_batch: Any = None) -> tuple[Any, dict[str, Any]]:
    """``loss`` plus the router's load-balancing loss when the forward returned one
    (``outputs.aux_loss``: a mixture-of-experts model with ``output_router_logits`` on, see
    :mod:`swiftkit.train.moe`), weighted by the model config's ``router_aux_loss_coef``, as
    transformers' own ``forward(labels=...)`` does. The unweighted value is logged as ``aux_loss``.

    With ``num_items_in_batch`` (the label tokens of every micro-batch of the optimizer step, as
    :func:`causal_lm_loss` takes it) the term is weighted by this micro-batch's share of them, so
    that gradient accumulation and data parallelism average it over the step instead of adding
    it once per micro-batch: one batch of the whole step gets ``coef * aux_loss``.
    """
    aux = getattr(outputs, "aux_loss", None)
    if aux is None:
        return loss, metrics
    from swiftkit.train.unwrap import unwrap_model

    coef = float(getattr(getattr(unwrap_model(model), "config", None), "router_aux_loss_coef", 0.0) or 0.0)
    metrics = {**metrics, "aux_loss": aux.detach()}
    if not coef:
        return loss, metrics
    term = coef * aux.to(loss.device, loss.dtype)
    if num_items_in_batch is not None and labels is not None:
        import torch

        share = (labels[:, 1:] != IGNORE_INDEX).sum().to(loss.device, loss.dtype)
        term = term * share / torch.as_tensor(num_items_in_batch, device=loss.device, dtype=loss.dtype).clamp(min=1)
    return loss + term, metrics
