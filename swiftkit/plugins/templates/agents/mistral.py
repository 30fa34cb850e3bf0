"""Mistral's tool format (v3 tokenizer: Mistral-Nemo, Mistral-Large 2407).

``[AVAILABLE_TOOLS][...][/AVAILABLE_TOOLS]`` carries the tools, ``[TOOL_CALLS][{"name",
"arguments", "id"}, ...]`` is an assistant turn that calls, ``[TOOL_RESULTS]{"content", "call_id"}
[/TOOL_RESULTS]`` a result. Mistral's call ids are 9 alphanumeric characters; a call without one
gets an id made from its position. The real chat template writes the tools block before the last
``[INST]``; a chat template's turn text is fixed here, so it is written at the start of the last
user message (inside ``[INST]``): the one known difference, checked by the parity test.
Tool results need a raw tool role (``tool="{content}"``, as the ``mistral_nemo`` chat template has).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.templates.agent import AgentTemplate, Message, ParsedReply, ToolCall, dumps
from swiftkit.plugins.templates.agents._calls import decode_arguments, function_of, json_objects


def _call_id(call: ToolCall, k: int) -> str:
    return call.id if call.id and len(call.id) == 9 and call.id.isalnum() else f"call{k:05d}"


class MistralAgentTemplate(AgentTemplate):
    call_start = "[TOOL_CALLS]"
    tools_placement = "last_user"

    def format_tools(self, tools: list[dict[str, Any]], text: str | None) -> str:
        listed = ", ".join(dumps({"type": "function", "function": {k: v for k, v in function_of(t).items() if k != "return"}})
                           for t in tools)
        return f"[AVAILABLE_TOOLS][{listed}][/AVAILABLE_TOOLS]" + (text or "")

    def format_calls(self, content: str, calls: list[ToolCall]) -> str:
        items = ", ".join(dumps({"name": c.name, "arguments": c.arguments})[:-1] + f', "id": "{_call_id(c, k)}"}}'
                          for k, c in enumerate(calls))
        return (content or "") + f"[TOOL_CALLS][{items}]"

    def format_results(self, results: list[Message], calls: list[ToolCall], template: Any) -> list[Message]:
        role = "tool" if template is None or template.tool is not None else "user"
        out = []
        for k, r in enumerate(results):
            call_id = r.get("tool_call_id")
            if not (call_id and len(call_id) == 9 and call_id.isalnum()):
                call_id = _call_id(calls[k], k) if k < len(calls) else f"call{k:05d}"
            out.append({"role": role, "content": f'[TOOL_RESULTS]{{"content": {r["content"]}, "call_id": "{call_id}"}}'
                                                 "[/TOOL_RESULTS]"})
        return out

    def parse(self, text: str, tools: list[dict[str, Any]] | None = None) -> ParsedReply:
        at = text.find(self.call_start)
        if at < 0:
            return ParsedReply(text)
        body = text[at + len(self.call_start):]
        found = json_objects(body)
        if not found or found[0][0] != 0 or not isinstance(found[0][2], (list, dict)):
            return ParsedReply(text)
        value = found[0][2] if isinstance(found[0][2], list) else [found[0][2]]
        calls = [ToolCall(v["name"], decode_arguments(v.get("arguments", {})), v.get("id")) for v in value
                 if isinstance(v, dict) and isinstance(v.get("name"), str)]
        if not calls:
            return ParsedReply(text)
        return ParsedReply((text[:at] + body[found[0][1]:]).strip(), calls)

    def call_prefix(self, name: str | None = None) -> str:
        return "[TOOL_CALLS][" + (f'{{"name": "{name}", "arguments":' if name else "")
