"""JSON helpers the built-in agent templates share (reading calls a model wrote)."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str) -> Any:
    """``text`` as JSON, or ``None`` when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None


def decode_arguments(value: Any) -> Any:
    """Arguments as written: a JSON object (a JSON string holding one is decoded)."""
    if isinstance(value, str):
        decoded = loads(value)
        return decoded if decoded is not None else value
    return value


def json_objects(text: str) -> list[tuple[int, int, Any]]:
    """Every top-level JSON value in ``text`` that starts with ``{`` or ``[``, as ``(start, end, value)``."""
    decoder = json.JSONDecoder()
    out = []
    i = 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except ValueError:
                i += 1
                continue
            out.append((i, end, value))
            i = end
        else:
            i += 1
    return out


def function_of(tool: dict[str, Any]) -> dict[str, Any]:
    """The ``function`` part of a canonical tool."""
    return tool.get("function", tool)


def tool_names(tools: list[dict[str, Any]] | None) -> set[str]:
    return {function_of(t).get("name") for t in tools or []}
