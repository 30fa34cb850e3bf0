"""The ``pt`` engine (plain PyTorch + transformers ``generate``): registration module.

Light: imports nothing heavy. The engine itself is :mod:`swiftkit.plugins.engines.pt_engine`.
The core run options ``torch_dtype`` (weight dtype) and ``max_length`` (prompt + answer
tokens) reach the engine with its own options.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

PT_OPTIONS = {
    "type": "object",
    "properties": {
        "max_batch_size": {
            "type": "integer",
            "minimum": 1,
            "default": 32,
            "description": "Most requests decoded together in one batch.",
        },
        "batch_wait_ms": {
            "type": "number",
            "minimum": 0,
            "default": 10,
            "description": "How long the dynamic batcher waits after a request arrives for others to "
            "start a batch with it (milliseconds; requests arriving while a batch runs join it at the next "
            "step with continuous_batching, else the next batch).",
        },
        "continuous_batching": {
            "type": "boolean",
            "default": True,
            "description": "Admit requests that arrive while a batch decodes into it at the next step and "
            "retire each request the step it ends (false: a batch runs to its end in one generate() call). "
            "A running batch serves one adapter; batches mixing adapters, models with sliding-window or hybrid "
            "caches and multimodal templates use generate().",
        },
        "device_map": {
            "type": ["string", "null"],
            "default": None,
            "description": "Where to place the model ('cpu', 'cuda:0', 'auto' to spread over all GPUs); "
            "unset: the first GPU if there is one, else the CPU.",
        },
        "max_memory": {
            "type": ["object", "null"],
            "default": None,
            "additionalProperties": {"type": ["string", "integer"]},
            "description": "With --device_map auto|sequential|balanced: the most each device may hold, as JSON "
            "('{\"0\": \"20GB\", \"cpu\": \"60GB\"}'; GPU indices as keys).",
        },
    },
}


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="pt",
            description="Native PyTorch inference with transformers generate(): any model, dynamic "
            "batching, streaming, logprobs, several LoRA adapters per batch.",
            options=PT_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            impl="swiftkit.plugins.engines.pt_engine:PtEngine",
        )
    ]
