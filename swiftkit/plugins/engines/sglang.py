"""The ``sglang`` engine (SGLang's offline ``sglang.Engine``): registration module.

Light: imports nothing heavy, and not SGLang. The engine is
:mod:`swiftkit.plugins.engines.sglang_engine`. SGLang needs an NVIDIA GPU (CUDA): install it
there with ``pip install sglang``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.core.options import SERVING, option_schema

SWIFTKIT_PLUGIN_API = "1.2"

SGLANG_OPTIONS = option_schema(SERVING)


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
