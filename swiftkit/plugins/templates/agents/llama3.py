"""Llama 3.1 / 3.2 / 3.3's JSON tool calls.

As their chat template writes it with its default ``tools_in_user_message``: the tools, each as
indented JSON, with the instruction to answer with ``{"name", "parameters"}`` JSON, open the
first user message; a call is that JSON alone as the assistant turn; a result is an ``ipython``
turn (the chat template's tool role) holding the result as a JSON string. Llama writes one call
per turn; several are written one per line. Known difference (the chat template's system header
is fixed text): the real template also adds ``Environment: ipython`` to the system header.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, Message, ParsedReply, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import decode_arguments, json_objects

_INTRO = ("Given the following functions, please respond with a JSON for a function call with its proper arguments "
          "that best answers the given prompt.\n\nRespond in the format {\"name\": function name, \"parameters\": "
          "dictionary of argument name and its value}.Do not use variables.\n\n")


class Llama3AgentTemplate(AgentTemplate):
    call_start = '{"name"'
    tools_placement = "first_user"

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        return _INTRO + "".join(dumps(t, indent=4) + "\n\n" for t in tools) + (text or "")

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        lines = [f'{{"name": "{c.name}", "parameters": {c.arguments_json()}}}' for c in calls]
        return "\n".join(([content] if content else []) + lines)

    def format_results(self, results: list[Message], calls: list[ToolCall], template: Any) -> list[Message]:
        role = "tool" if template is None or template.tool is not None else "user"
        return [{"role": role, "content": dumps(r["content"])} for r in results]

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        body = text.replace("<|python_tag|>", "")
        calls, kept, pos = [], [], 0
        for start, end, value in json_objects(body):
            if isinstance(value, dict) and isinstance(value.get("name"), str) \
                    and ("parameters" in value or "arguments" in value):
                kept.append(body[pos:start])
                pos = end
                calls.append(ToolCall(value["name"], decode_arguments(value.get("parameters", value.get("arguments")))))
        if not calls:
            return ParsedReply(text)
        kept.append(body[pos:])
        return ParsedReply("".join(kept).strip(" \n;"), calls)

    def call_prefix(self, name: str | None = None) -> str:
        return f'{{"name": "{name}", "parameters":' if name else '{"name": "'
