"""Built-in dataset row formats: data only (the converters live in
:mod:`swiftkit.plugins.datasets.converters` and are imported on first use)."""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.specs import FormatSpec

SWIFTKIT_PLUGIN_API = "1.5"

_CONVERTERS = "swiftkit.plugins.datasets.converters"


@hookimpl
def swift_register_formats() -> list[FormatSpec]:
    return [
        FormatSpec(
            id="messages",
            description="OpenAI-style {'messages': [{'role', 'content'}, ...]}; optional 'system' column",
            columns=["messages"],
            converter=f"{_CONVERTERS}:MessagesConverter",
        ),
        FormatSpec(
            id="sharegpt",
            description="ShareGPT {'conversations': [{'from': human|gpt|system|function_call|observation, "
            "'value'}]}; optional 'system' column",
            columns=["conversations"],
            converter=f"{_CONVERTERS}:ShareGPTConverter",
        ),
        FormatSpec(
            id="alpaca",
            description="Alpaca {'instruction', 'input'?, 'output'}; optional 'system' and 'history' columns",
            columns=["instruction", "output"],
            converter=f"{_CONVERTERS}:AlpacaConverter",
        ),
        FormatSpec(
            id="query_response",
            description="ms-swift {'query', 'response'}; optional 'history' [[query, response], ...] and 'system'",
            columns=["query", "response"],
            converter=f"{_CONVERTERS}:QueryResponseConverter",
        ),
        FormatSpec(
            id="text",
            description="Plain text for pre-training {'text'}",
            columns=["text"],
            converter=f"{_CONVERTERS}:TextConverter",
        ),
    ]
