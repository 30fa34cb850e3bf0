"""Engine plugin: ``generate``, a minimal engine on transformers' ``generate`` (one request at a time).

Registration module: imports nothing but ``swiftkit.core``. ``--infer_backend generate``
picks it for ``swift infer`` and ``swift deploy``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_engines() -> list[EngineSpec]:
    return [
        EngineSpec(
            id="generate",
            description="transformers generate(), one request at a time, on the CPU or the first GPU.",
            capabilities=["chat", "completion"],
            requires=["transformers>=4.45"],  # `swift info engine generate` says whether it is met
            impl="engine_plugin.engine:GenerateEngine",
        )
    ]
