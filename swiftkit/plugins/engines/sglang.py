"""The ``sglang`` engine (SGLang's offline ``sglang.Engine``): registration module.

Light: imports nothing heavy, and not SGLang. The engine is
:mod:`swiftkit.plugins.engines.sglang_engine`. SGLang needs an NVIDIA GPU (CUDA): install it
there with ``pip install sglang``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.plugins.engines._mapping import (
    ENABLE_LORA,
    GPU_MEMORY_UTILIZATION,
    MAX_LORA_RANK,
    MAX_MODEL_LEN,
    MAX_NUM_SEQS,
    TENSOR_PARALLEL_SIZE,
)

SWIFTKIT_PLUGIN_API = "1.0"

SGLANG_OPTIONS = {
    "type": "object",
    "properties": {
        "gpu_memory_utilization": GPU_MEMORY_UTILIZATION,
        "tensor_parallel_size": TENSOR_PARALLEL_SIZE,
        "max_model_len": MAX_MODEL_LEN,
        "max_num_seqs": MAX_NUM_SEQS,
        "enable_lora": ENABLE_LORA,
        "max_lora_rank": MAX_LORA_RANK,
    },
}


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="sglang",
            description="SGLang's offline engine: RadixAttention prefix caching and continuous batching "
            "(NVIDIA GPU). Streaming, LoRA adapters per request, logprobs.",
            options=SGLANG_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            requires=["sglang", "gpu"],
            impl="swiftkit.plugins.engines.sglang_engine:SglangEngine",
        )
    ]
