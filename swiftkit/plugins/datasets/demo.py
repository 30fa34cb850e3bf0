"""The bundled demo dataset behind ``swift demo`` (light registration module)."""

from __future__ import annotations

from swiftkit.core import DatasetSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.2"


@hookimpl
def swift_register_datasets():
    return [
        DatasetSpec(
            id="swift-demo",
            description="32 short question/answer chats (identity, greetings, simple facts) for the offline CPU demo.",
            format="messages",
            path="swiftkit.plugins.datasets:data/swift_demo.jsonl",
            num_rows=32,
            tags=["demo", "chat", "en"],
        )
    ]
