"""The ``lmdeploy`` engine (LMDeploy's ``pipeline``, TurboMind or PyTorch backend):
registration module.

Light: imports nothing heavy, and not LMDeploy. The engine is
:mod:`swiftkit.plugins.engines.lmdeploy_engine`. LMDeploy needs an NVIDIA GPU (CUDA): install
it there with ``pip install lmdeploy``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.plugins.engines._mapping import (
    ENABLE_LORA,
    GPU_MEMORY_UTILIZATION,
    MAX_MODEL_LEN,
    MAX_NUM_SEQS,
    TENSOR_PARALLEL_SIZE,
)

SWIFTKIT_PLUGIN_API = "1.0"

LMDEPLOY_OPTIONS = {
    "type": "object",
    "properties": {
        "gpu_memory_utilization": GPU_MEMORY_UTILIZATION,
        "tensor_parallel_size": TENSOR_PARALLEL_SIZE,
        "max_model_len": MAX_MODEL_LEN,
        "max_num_seqs": MAX_NUM_SEQS,
        "enable_lora": ENABLE_LORA,
        "lmdeploy_backend": {
            "enum": ["auto", "turbomind", "pytorch"],
            "default": "auto",
            "description": "LMDeploy's backend. 'auto': TurboMind, or PyTorch when LoRA adapters are served "
            "(only the PyTorch backend serves them) or TurboMind does not support the model.",
        },
    },
}


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="lmdeploy",
            description="LMDeploy's pipeline (TurboMind or PyTorch backend): persistent batching (NVIDIA GPU). "
            "Streaming, LoRA adapters (PyTorch backend), logprobs.",
            options=LMDEPLOY_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            requires=["lmdeploy", "gpu"],
            impl="swiftkit.plugins.engines.lmdeploy_engine:LmdeployEngine",
        )
    ]
