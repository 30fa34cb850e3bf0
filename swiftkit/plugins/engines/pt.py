"""The ``pt`` engine (plain PyTorch + transformers ``generate``): registration module.

Light: imports nothing heavy. The engine itself is :mod:`swiftkit.plugins.engines.pt_engine`.
The weight dtype is the core run option ``torch_dtype``, which the engine receives with its
own options.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"

PT_OPTIONS = {
    "type": "object",
    "properties": {
        "max_batch_size": {
            "type": "integer",
            "minimum": 1,
            "default": 16,
            "description": "Most requests decoded together in one generate() call.",
        },
        "device_map": {
            "type": ["string", "null"],
            "default": None,
            "description": "Where to place the model ('cpu', 'cuda:0', 'auto' to spread over all GPUs); "
            "unset: the first GPU if there is one, else the CPU.",
        },
    },
}


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="pt",
            description="Native PyTorch inference with transformers generate(): any model, batched, "
            "streaming, LoRA adapters per request.",
            options=PT_OPTIONS,
            capabilities=["chat", "stream", "batch", "lora"],
            impl="swiftkit.plugins.engines.pt_engine:PtEngine",
        )
    ]
