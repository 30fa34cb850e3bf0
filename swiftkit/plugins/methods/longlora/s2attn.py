"""Shifted sparse attention (S²-attn), LongLoRA's training-time attention, as a transformers
attention function (imports torch and transformers).

Registered as :data:`S2_ATTN` in transformers' ``AttentionInterface`` (and its mask interface,
with the sdpa mask), so any model whose attention layers dispatch through that interface can
use it by ``model.set_attn_implementation(S2_ATTN)``. Each attention module carries its group
ratio as :data:`RATIO_ATTR`.

In training mode, for a sequence of length ``L`` and group size ``G = L * ratio`` (``L`` a
multiple of ``G``, at least two groups): the first half of the heads attends within the groups
``[0, G), [G, 2G) ...``, the other half within the same groups shifted by ``G / 2`` (the
tokens are rolled by ``-G/2``, so one group joins the sequence's last and first half-groups).
Which keys a query may see is the model's own mask (causal, padding), restricted to its group.
Otherwise (evaluation, generation, a length that does not split) it is plain sdpa attention.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

S2_ATTN = "swiftkit_s2attn"
#: attribute of an attention module holding its S²-attn group-size ratio
RATIO_ATTR = "s2_group_size_ratio"

logger = logging.getLogger("swiftkit.train")
_warned: set[int] = set()


def _allowed(mask: Any, batch: int, length: int, device: Any) -> torch.Tensor:
    """The boolean ``(B, 1, L, L)`` "query may see key" matrix: the model's mask, or causal."""
    if mask is None:
        causal = torch.ones(length, length, dtype=torch.bool, device=device).tril()
        return causal.expand(batch, 1, length, length)
    mask = mask[:, :, -length:, -length:]
    allowed = mask if mask.dtype == torch.bool else mask == 0
    # a padding query sees nothing; let it see itself so that no row is empty (NaN)
    return allowed | torch.eye(length, dtype=torch.bool, device=device)


def _blocks(allowed: torch.Tensor, group: int) -> torch.Tensor:
    """The ``(B * n, 1, G, G)`` diagonal blocks of a ``(B, 1, L, L)`` matrix (``n = L / G``)."""
    batch, _, length, _ = allowed.shape
    n = length // group
    diag = torch.diagonal(allowed.reshape(batch, 1, n, group, n, group), dim1=2, dim2=4)  # (B, 1, G, G, n)
    return diag.permute(0, 4, 1, 2, 3).reshape(batch * n, 1, group, group)


def _to_groups(x: torch.Tensor, group: int) -> torch.Tensor:
    """(B, H, L, D) -> (B * n, H, G, D)."""
    batch, heads, length, dim = x.shape
    n = length // group
    return x.reshape(batch, heads, n, group, dim).transpose(1, 2).reshape(batch * n, heads, group, dim)


def s2_attention_forward(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                         attention_mask: Any, dropout: float = 0.0, scaling: float | None = None,
                         **kwargs: Any) -> tuple[torch.Tensor, None]:
    """transformers attention-function signature: ``query`` (B, H, L, D), ``key`` / ``value``
    (B, H_kv, L, D) -> (attention output (B, L, H, D), None)."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    ratio = getattr(module, RATIO_ATTR, None)
    batch, heads, length, dim = query.shape
    group = int(length * ratio) if module.training and ratio else 0
    if group < 1 or length % group or length // group < 2 or key.shape[2] != length:
        if module.training and ratio and id(module) not in _warned:
            _warned.add(id(module))
            logger.info("longlora: a batch of length %d does not split into groups of %.3g of it: full attention",
                        length, ratio)
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs)
    if key.shape[1] != heads:  # grouped-query attention: one key/value head per query head
        repeat = heads // key.shape[1]
        key, value = key.repeat_interleave(repeat, dim=1), value.repeat_interleave(repeat, dim=1)
    half, shift = heads // 2, group // 2

    def rolled(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x[:, :half], x[:, half:].roll(-shift, dims=2)], dim=1)

    allowed = _allowed(attention_mask, batch, length, query.device)
    shifted = allowed.roll((-shift, -shift), dims=(2, 3))
    mask = torch.cat([_blocks(allowed, group).expand(-1, half, -1, -1),
                      _blocks(shifted, group).expand(-1, heads - half, -1, -1)], dim=1)
    out = torch.nn.functional.scaled_dot_product_attention(
        _to_groups(rolled(query), group), _to_groups(rolled(key), group), _to_groups(rolled(value), group),
        attn_mask=mask, dropout_p=dropout if module.training else 0.0, scale=scaling,
    )  # (B * n, H, G, D)
    out = out.reshape(batch, length // group, heads, group, dim).transpose(1, 2).reshape(batch, heads, length, dim)
    out = torch.cat([out[:, :half], out[:, half:].roll(shift, dims=2)], dim=1)
    return out.transpose(1, 2).contiguous(), None


def register() -> None:
    """Make :data:`S2_ATTN` known to transformers (idempotent)."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(S2_ATTN, s2_attention_forward)
    AttentionMaskInterface.register(S2_ATTN, sdpa_mask)


def enable(model: Any, ratio: float) -> int:
    """Switch ``model`` to S²-attn with group-size ``ratio``; return the number of attention
    modules that carry the ratio. Raises ``ValueError`` for a model whose attention does not
    dispatch through transformers' attention interface."""
    register()
    can_set = getattr(model, "_can_set_attn_implementation", None)
    if not callable(can_set) or not can_set():
        raise ValueError(f"longlora: {type(model).__name__} does not dispatch attention through transformers' attention "
                         "interface, so S²-attn cannot be installed; pass --longlora_s2_attn false")
    model.set_attn_implementation(S2_ATTN)
    count = 0
    for module in model.modules():
        if hasattr(module, "is_causal") and hasattr(module, "scaling"):  # the attention modules
            setattr(module, RATIO_ATTR, float(ratio))
            count += 1
    if not count:
        raise ValueError(f"longlora: found no attention module in {type(model).__name__}; pass --longlora_s2_attn false")
    return count
