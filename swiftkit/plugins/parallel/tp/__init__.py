"""Tensor parallelism: registration module (light).

``--tp_size N`` (N > 1) selects it: transformers splits every attention and MLP projection of
the model over N processes along its ``base_model_tp_plan`` (DTensor), and the remaining
``world_size / N`` factor becomes FSDP2 data parallelism. Needs CUDA GPUs (see
:mod:`swiftkit.plugins.parallel.tp.strategy` for why). Tensor parallelism of an inference
engine (vLLM's ``--tensor_parallel_size``) is the engine's own option, not this strategy.
"""

from __future__ import annotations

from swiftkit.core import StrategySpec, hookimpl
from swiftkit.core.options import DISTRIBUTED, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

TP_OPTIONS = {
    "type": "object",
    "properties": {
        "tp_size": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Processes (GPUs) each layer is split over. Must divide the world size "
            "(nproc_per_node x nnodes) and the model's attention and key/value head counts; the rest of "
            "the world is data parallel (FSDP2). 1: no tensor parallelism.",
        },
        **option_properties(DISTRIBUTED),
    },
}


@hookimpl
def swift_register_strategies():
    return [
        StrategySpec(
            id="tp",
            description="Tensor parallelism (transformers' tp_plan on DTensor) x FSDP2 data parallelism; needs CUDA GPUs.",
            tags=["tensor-parallel", "dtensor"],
            requires=["gpu"],
            options=TP_OPTIONS,
            launcher="torchrun",
            selected_by=["tp_size"],
            impl="swiftkit.plugins.parallel.tp.strategy:TensorParallelStrategy",
        )
    ]
