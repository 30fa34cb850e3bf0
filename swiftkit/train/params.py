"""Trainable and total parameter counts of a prepared model (printed and kept in ``args.json``)."""

from __future__ import annotations

from typing import Any


def _numel(param: Any) -> int:
    n = getattr(param, "ds_numel", None)  # ZeRO-3 keeps an empty placeholder; the true size is here
    n = int(n) if n is not None else param.numel()
    if type(param).__name__ == "Params4bit":  # two 4-bit values per stored byte (bitsandbytes)
        n *= 2 * getattr(getattr(param, "quant_storage", None), "itemsize", 1)
    return n


def count_parameters(model: Any) -> tuple[int, int]:
    """``(trainable, total)`` parameters of ``model`` (shared tensors counted once; sharded
    and 4-bit parameters at their full size)."""
    trainable = total = 0
    for param in model.parameters():
        n = _numel(param)
        total += n
        if param.requires_grad:
            trainable += n
    return trainable, total


def describe_parameters(trainable: int, total: int) -> str:
    """``trainable params: 1,234 || all params: 5,678 || trainable%: 21.7332`` (peft's wording)."""
    share = 100 * trainable / total if total else 0.0
    return f"trainable params: {trainable:,} || all params: {total:,} || trainable%: {share:.4f}"
