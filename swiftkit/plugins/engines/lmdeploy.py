"""The ``lmdeploy`` engine (LMDeploy's ``pipeline``, TurboMind or PyTorch backend):
registration module.

Light: imports nothing heavy, and not LMDeploy. The engine is
:mod:`swiftkit.plugins.engines.lmdeploy_engine`. LMDeploy needs an NVIDIA GPU (CUDA): install
it there with ``pip install lmdeploy``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

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
        "lmdeploy_tp": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "LMDeploy: tensor-parallel degree (tp). Null: --tensor_parallel_size.",
        },
        "lmdeploy_session_len": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "LMDeploy: longest session in tokens (session_len). Null: --max_model_len / --max_length, "
            "else the model's.",
        },
        "lmdeploy_cache_max_entry_count": {
            "anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1}, {"type": "null"}],
            "default": None,
            "description": "LMDeploy: share of GPU memory for the k/v cache (cache_max_entry_count). Null: "
            "--gpu_memory_utilization, else LMDeploy's 0.8.",
        },
        "lmdeploy_quant_policy": {
            "enum": [0, 4, 8],
            "default": 0,
            "description": "LMDeploy: k/v cache quantization (quant_policy): 0 off, 4 or 8 bits.",
        },
        "lmdeploy_vision_batch_size": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "LMDeploy: images per batch of the vision encoder (VisionConfig.max_batch_size). Null: "
            "LMDeploy's 1.",
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
