"""The ``lmdeploy`` engine (LMDeploy's ``pipeline``, TurboMind or PyTorch backend):
registration module.

Light: imports nothing heavy, and not LMDeploy. The engine is
:mod:`swiftkit.plugins.engines.lmdeploy_engine`. LMDeploy needs an NVIDIA GPU (CUDA): install
it there with ``pip install lmdeploy``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.2"

# the shared serving keys this engine maps (all but max_lora_rank)
LMDEPLOY_OPTIONS = option_schema(
    "gpu_memory_utilization", "tensor_parallel_size", "max_model_len", "max_num_seqs", "enable_lora",
    own={
        "lmdeploy_backend": {
            "enum": ["auto", "turbomind", "pytorch"],
            "default": "auto",
            "description": "LMDeploy's backend. 'auto': TurboMind, or PyTorch when LoRA adapters are served "
            "(only the PyTorch backend serves them) or TurboMind does not support the model.",
        },
    },
)


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
