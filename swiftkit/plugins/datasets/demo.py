"""The bundled datasets (light registration module): the demo data behind ``swift demo`` and
the self-cognition rows that ``--model_name`` / ``--model_author`` fill in."""

from __future__ import annotations

from swiftkit.core import DatasetSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.4"


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
        ),
        DatasetSpec(
            id="self-cognition",
            description="100 who-am-I questions and answers, 50 Chinese and 50 English (query/response, 'tag' "
            "says the language), bundled: {{NAME}} and {{AUTHOR}} become --model_name / --model_author. "
            "ms-swift's hub version is 'self-cognition-hub' (swift/self-cognition).",
            format="query_response",
            path="swiftkit.plugins.datasets:data/self_cognition.jsonl",
            num_rows=100,
            tags=["chat", "self-cognition", "zh", "en"],
        ),
    ]
