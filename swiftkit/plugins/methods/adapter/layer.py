"""The bottleneck adapter module and how it is attached to an MLP (imports torch)."""

from __future__ import annotations

from typing import Any

import torch

#: attribute under which an adapter is registered on the MLP it follows (so its weights are
#: named ``<mlp>.swift_adapter.down.weight`` ... and the base weights keep their names)
ADAPTER_ATTR = "swift_adapter"
#: attribute names of a decoder layer's MLP in the families transformers ships
MLP_NAMES = ("mlp", "feed_forward", "block_sparse_moe", "ffn")


class BottleneckAdapter(torch.nn.Module):
    """``x + up(act(down(x)))`` with ``up`` zero-initialised, so that a new adapter is the identity."""

    def __init__(self, dim: int, length: int, act: str, dtype: Any = None, device: Any = None):
        super().__init__()
        from transformers.activations import ACT2FN

        self.down = torch.nn.Linear(dim, length, dtype=dtype, device=device)
        self.act = ACT2FN[act]
        self.up = torch.nn.Linear(length, dim, dtype=dtype, device=device)
        torch.nn.init.zeros_(self.up.weight)
        torch.nn.init.zeros_(self.up.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.up(self.act(self.down(hidden)))


def _after_mlp(module: Any, inputs: Any, output: Any) -> Any:
    """Forward hook of an MLP: its output (or the first item of a tuple output, as MoE blocks
    return) goes through the adapter registered on it."""
    adapter = getattr(module, ADAPTER_ATTR)
    if isinstance(output, tuple):
        return (adapter(output[0]), *output[1:])
    return adapter(output)


def find_mlp(layer: Any) -> tuple[str, Any]:
    """``(attribute name, module)`` of a decoder layer's MLP."""
    for name in MLP_NAMES:
        module = getattr(layer, name, None)
        if isinstance(module, torch.nn.Module):
            return name, module
    raise ValueError(f"adapter: {type(layer).__name__} has no MLP attribute ({', '.join(MLP_NAMES)})")


def attach_adapters(layers: Any, hidden_size: int, length: int, act: str) -> list[BottleneckAdapter]:
    """Register a :class:`BottleneckAdapter` on the MLP of every decoder layer (in the dtype and
    on the device of that MLP's weights) and hook it after the MLP; return the adapters."""
    adapters = []
    for layer in layers:
        _, mlp = find_mlp(layer)
        if hasattr(mlp, ADAPTER_ATTR):
            raise TypeError("adapter: the model already carries bottleneck adapters; pass the base model")
        weight = next(mlp.parameters())
        dtype = weight.dtype if weight.dtype.is_floating_point else torch.float32
        adapter = BottleneckAdapter(hidden_size, length, act, dtype=dtype, device=weight.device)
        mlp.add_module(ADAPTER_ATTR, adapter)
        mlp.register_forward_hook(_after_mlp)
        adapters.append(adapter)
    return adapters
